"""Photo checks: only real JPEG (MPO too), PNG, WebP or HEIC/HEIF, within limits, re-encoded.

The first bytes (not the file name or the browser's content type) say what a file claims
to be, and decoding proves it. The work is bounded before anything is decoded: a photo is
first *probed* (magic bytes, then the header's dimensions, without decoding a pixel), so
a 1 KB file claiming 100,000 x 100,000 pixels, or three photos that together would cost
more than a request may spend (`check_request`), are refused at the price of reading a
header. JPEGs are decoded already scaled down (libjpeg's DCT scaling, `draft`), so a
large JPEG costs about what a normal one does.

The stored file is a fresh baseline JPEG in sRGB: the colour profile is applied, the EXIF
orientation honoured, and then every metadata block is dropped (EXIF with GPS, XMP,
comments, ICC, MPF and every other APPn segment), so a citizen's home location or phone
model never rides along with a photo of a broken counter.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageOps

# Only the primary image of a HEIF file: no thumbnails, depth maps or auxiliary images.
# One decoding thread: a request keeps to one core (the total CPU time is the same).
pillow_heif.register_heif_opener(
    thumbnails=False, depth_images=False, aux_images=False, decode_threads=1
)

# What we take, by what the first bytes say -> the Pillow plugin allowed to open it.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "HEIF"}
# Real images we do not take (each gets a message saying what to do instead).
REFUSED_FORMATS = {"AVIF": "AVIF", "GIF": "GIF", "BMP": "BMP", "TIFF": "TIFF"}
MAX_SIDE = 2048  # plenty to read a sign or see damage; keeps storage and staff pages light
DRAFT_SLACK = 0.9  # a JPEG may be stored up to 10% under MAX_SIDE to skip a resampling pass
# A progressive JPEG needs ~10 scans; thousands of scans make libjpeg crawl (a known CPU
# bomb). Every scan starts with an SOS marker, FF DA, which cannot occur inside
# entropy-coded data (FF is stuffed there), so counting them is a cheap upper bound.
MAX_JPEG_SCANS = 100

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}


class PhotoRejected(ValueError):
    """reason: too-large | not-image | unsupported-format | too-many-pixels | corrupt |
    heif-unreadable | request-too-many-pixels | request-heif-too-large.

    `format` names a refused format (AVIF, GIF ...) for the message; `pixels` and
    `limit` are pixels for the pixel refusals, bytes for request-heif-too-large.
    """

    def __init__(self, reason: str, *, format: str = "", pixels: int = 0, limit: int = 0):
        self.reason = reason
        self.format = format
        self.pixels = pixels
        self.limit = limit
        super().__init__(reason)


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def sniff(raw: bytes) -> str | None:
    """What the first bytes claim: a key of ACCEPTED_FORMATS or REFUSED_FORMATS, or None."""
    if raw.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "WEBP"
    if raw[4:8] == b"ftyp":  # ISO base media file: HEIF, AVIF (or a video)
        box = int.from_bytes(raw[:4], "big")
        brands = {raw[8:12]} | {raw[i : i + 4] for i in range(16, min(box, 64), 4)}
        if brands & _AVIF_BRANDS:
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return "HEIF"
        return None
    if raw.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if raw.startswith(b"BM"):
        return "BMP"
    if raw[:4] in (b"II*\0", b"MM\0*"):
        return "TIFF"
    return None


def _open(raw: bytes, plugin: str) -> Image.Image:
    """Open with one plugin only; reads the header, decodes nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "malformed MPO": it is then read as JPEG
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(raw), formats=[plugin])


def _reduction(width: int, height: int) -> int:
    """The largest whole factor that keeps the long side at least DRAFT_SLACK x MAX_SIDE:
    shrinking by it (in libjpeg's DCT, or a box average) is cheap and leaves no resampling
    pass, or only a short one (a 4032 px photo is stored at 2016 px)."""
    return max(1, int(max(width, height) // (DRAFT_SLACK * MAX_SIDE)))


def _draft_size(width: int, height: int) -> tuple[int, int]:
    """What to ask JPEG `draft` for: the largest of 1/2, 1/4, 1/8 within `_reduction`."""
    factor = _reduction(width, height)
    scale = next(s for s in (8, 4, 2, 1) if s <= factor)
    return max(1, width // scale), max(1, height // scale)


class Probe:
    """A photo whose header passed: its format, size and what decoding it will cost."""

    def __init__(self, image: Image.Image, size_bytes: int):
        self._image = image
        self.size_bytes = size_bytes
        self.format: str = image.format or ""  # JPEG, MPO, PNG, WEBP, HEIF
        self.width, self.height = image.size
        if self.format in ("JPEG", "MPO"):
            # Decode already scaled down by 1/2, 1/4 or 1/8 (in the DCT, nearly free).
            image.draft(None, _draft_size(*image.size))
        self.decode_pixels: int = image.size[0] * image.size[1]

    def decode(self) -> ProcessedPhoto:
        """Decode (the first frame), scale, orient, convert to sRGB JPEG without metadata."""
        image, self._image = self._image, None  # decoded once; its pixels freed after
        if image is None:
            raise RuntimeError("Probe.decode() runs once")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Corrupt EXIF data" etc.: EXIF is dropped
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.load()
                factor = _reduction(*image.size)
                if factor > 1:  # a box average first: 0.05 s where bicubic takes 0.25-0.7 s
                    image = image.reduce(factor)
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                icc = image.info.get("icc_profile")
                ImageOps.exif_transpose(image, in_place=True)
                image = _to_srgb(_plain_mode(image), icc)
                image.info = {}  # the JPEG writer would copy a comment (COM) from here
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=85, optimize=True)
                image.close()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRejected("too-many-pixels", pixels=self.width * self.height) from exc
        except MemoryError:
            raise
        except Exception as exc:  # a decoder's complaint about a broken file, of any type
            raise PhotoRejected("heif-unreadable" if self.format == "HEIF" else "corrupt") from exc
        data = out.getvalue()
        return ProcessedPhoto(
            data=data,
            content_type="image/jpeg",
            width=image.width,
            height=image.height,
            sha256=hashlib.sha256(data).hexdigest(),
        )


def probe_photo(raw: bytes, *, max_bytes: int, max_pixels: int) -> Probe:
    """Check size, kind and header dimensions without decoding; PhotoRejected says why."""
    if len(raw) > max_bytes:
        raise PhotoRejected("too-large")
    kind = sniff(raw)
    if kind is None:
        raise PhotoRejected("not-image")
    if kind in REFUSED_FORMATS:
        Image.init()
        if REFUSED_FORMATS[kind] in Image.OPEN:  # an older Pillow may not know AVIF
            try:
                _open(raw, REFUSED_FORMATS[kind]).close()
            except Exception as exc:  # whatever the plugin raises: it is no such image
                raise PhotoRejected("not-image") from exc
        raise PhotoRejected("unsupported-format", format=kind)
    if kind == "JPEG" and raw.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise PhotoRejected("corrupt")
    try:
        image = _open(raw, ACCEPTED_FORMATS[kind])
        # Header dimensions first: a 1 KB PNG can claim 100,000 x 100,000 pixels.
        pixels = image.width * image.height
        if pixels > max_pixels:
            raise PhotoRejected("too-many-pixels", pixels=pixels, limit=max_pixels)
        return Probe(image, len(raw))
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected("too-many-pixels", limit=max_pixels) from exc
    except MemoryError:
        raise
    except Exception as exc:  # UnidentifiedImageError, OSError, SyntaxError, struct.error ...
        # The first bytes said it was one of ours, so it is a broken one.
        raise PhotoRejected("heif-unreadable" if kind == "HEIF" else "corrupt") from exc


def check_request(
    probes: list[Probe], *, request_pixels: int, request_heif_bytes: int | None = None
) -> None:
    """Refuse before decoding anything when the photos together would cost too much.

    Pixels bound the work of every format. HEVC decoding also costs by the compressed
    byte (about 0.3 s per MB on one core, ten times a JPEG's), so HEIF files have their
    own byte budget per request.
    """
    total = sum(p.decode_pixels for p in probes)
    if total > request_pixels:
        raise PhotoRejected("request-too-many-pixels", pixels=total, limit=request_pixels)
    heif = sum(p.size_bytes for p in probes if p.format == "HEIF")
    if request_heif_bytes is not None and heif > request_heif_bytes:
        raise PhotoRejected("request-heif-too-large", pixels=heif, limit=request_heif_bytes)


def process_photo(raw: bytes, *, max_bytes: int, max_pixels: int) -> ProcessedPhoto:
    """One photo on its own: probe, then decode."""
    return probe_photo(raw, max_bytes=max_bytes, max_pixels=max_pixels).decode()


def _plain_mode(image: Image.Image) -> Image.Image:
    """RGB or L (CMYK kept for its profile), transparency flattened onto white."""
    if image.mode in ("RGB", "L", "CMYK"):
        return image
    if image.mode.startswith("I;16"):  # 16-bit grey PNG: scale, do not clip
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Apply an embedded colour profile (Display P3 from iPhones, Adobe RGB ...) so the
    colours stay right once the profile is dropped; a broken profile is ignored."""
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            return converted
    return image.convert("RGB") if image.mode == "CMYK" else image

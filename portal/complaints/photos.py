"""Photo checks: only real JPEG/PNG/WebP, within size and pixel limits, re-encoded.

Decoding (not the file name or the browser's content type) decides what a file is.
Re-encoding through Pillow drops every metadata block, EXIF GPS included, so a citizen's
home location never rides along with a photo of a broken counter.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 2048  # plenty to read a sign or see damage; keeps storage and staff pages light


class PhotoRejected(ValueError):
    """reason: too-large | not-image | unsupported-format | too-many-pixels | corrupt."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def process_photo(raw: bytes, *, max_bytes: int, max_pixels: int) -> ProcessedPhoto:
    if len(raw) > max_bytes:
        raise PhotoRejected("too-large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(raw))
            if probe.format not in ACCEPTED_FORMATS:
                raise PhotoRejected("unsupported-format")
            # Header dimensions first: a 1 KB PNG can claim 100,000 x 100,000 pixels.
            if probe.width * probe.height > max_pixels:
                raise PhotoRejected("too-many-pixels")
            probe.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected("too-many-pixels") from exc
    except UnidentifiedImageError as exc:
        raise PhotoRejected("not-image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoRejected("corrupt") from exc

    image = ImageOps.exif_transpose(probe)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    data = out.getvalue()
    return ProcessedPhoto(
        data=data,
        content_type="image/jpeg",
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(data).hexdigest(),
    )

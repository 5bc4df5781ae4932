"""A minimal PDF writer that streams: each page is written as soon as it is added.

Pillow's own PDF writer collects every page before writing, so a region's 1,000 posters
would sit in memory at once. This writer keeps only the byte offsets of the objects it
has written (a few bytes per page) and the object numbers of *shared* images: a layer
with a `key` (the poster template) is written once and drawn on every page that uses it.

Images are stored losslessly with FlateDecode: RGB and greyscale as 8 bits per sample,
1-bit images (the QR codes) as 1 bit per sample, so module edges stay razor sharp on any
printer. Output is PDF 1.4 with a classic cross-reference table.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from qr.poster import Layer, PosterPage

# zlib levels: a shared template is written once, so it gets the smaller output; the small
# per-page images are mostly flat colour, where level 1 is nearly as small and much faster.
SHARED_COMPRESSION = 6
COMPRESSION = 1
_COLOR = {"RGB": ("/DeviceRGB", 8), "L": ("/DeviceGray", 8), "1": ("/DeviceGray", 1)}


class PdfStreamWriter:
    """Write pages one by one to a binary stream; `close()` writes the page tree and xref.

    The stream only needs `write`; nothing is ever seeked, so a socket, a pipe or an HTTP
    response body works as well as a file.
    """

    CATALOG, PAGES, INFO = 1, 2, 3

    def __init__(self, out: BinaryIO, *, title: str = "Poster Aduan Langsung"):
        self._out = out
        self._pos = 0
        self._offsets: dict[int, int] = {}
        self._next = 4
        self._kids: list[int] = []
        self._shared: dict[Hashable, int] = {}
        self._preparer = PagePreparer()
        self._closed = False
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._object(self.CATALOG, b"<< /Type /Catalog /Pages 2 0 R >>")
        stamp = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")
        info = (
            f"<< /Title ({_pdf_text(title)}) /Producer (Aduan Langsung) /CreationDate ({stamp}) >>"
        )
        self._object(self.INFO, info.encode("latin-1", "replace"))

    @property
    def page_count(self) -> int:
        return len(self._kids)

    def add_page(self, page: PosterPage) -> None:
        """Write one page (and any image it needs that is not in the file yet)."""
        self.write_prepared(self.prepare(page))

    def prepare(self, page: PosterPage) -> PreparedPage:
        """The CPU-heavy half of add_page; see PagePreparer."""
        return self._preparer.prepare(page)

    def write_prepared(self, page: PreparedPage) -> None:
        if self._closed:
            raise ValueError("the PDF is already closed")
        names: list[tuple[str, int]] = []
        ops: list[str] = []
        for index, image in enumerate(page.images):
            if image.key is not None and image.key in self._shared:
                # Shared and already written (several processes may each send it once).
                number = self._shared[image.key]
            elif image.head is None:
                raise ValueError(f"page refers to shared image {image.key!r} not yet written")
            else:
                number = self._reserve()
                self._stream(number, image.head, image.data)
                if image.key is not None:
                    self._shared[image.key] = number
            name = f"/I{index}"
            names.append((name, number))
            w, h, x, y = image.placement
            ops.append(f"q {w:.4f} 0 0 {h:.4f} {x:.4f} {y:.4f} cm {name} Do Q")
        content = zlib.compress("\n".join(ops).encode("ascii"), COMPRESSION)
        content_no = self._reserve()
        self._stream(content_no, b"<< /Filter /FlateDecode", content)
        xobjects = " ".join(f"{name} {number} 0 R" for name, number in names)
        page_no = self._reserve()
        self._object(
            page_no,
            (
                f"<< /Type /Page /Parent 2 0 R "
                f"/MediaBox [0 0 {page.width_pt:.4f} {page.height_pt:.4f}] "
                f"/Resources << /XObject << {xobjects} >> >> /Contents {content_no} 0 R >>"
            ).encode("ascii"),
        )
        self._kids.append(page_no)

    def close(self) -> None:
        """Write the page tree, the cross-reference table and the trailer."""
        if self._closed:
            return
        kids = " ".join(f"{k} 0 R" for k in self._kids)
        self._object(
            self.PAGES,
            f"<< /Type /Pages /Kids [{kids}] /Count {len(self._kids)} >>".encode("ascii"),
        )
        xref_at = self._pos
        size = self._next
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        lines += [f"{self._offsets[n]:010d} 00000 n \n" for n in range(1, size)]
        lines.append(
            f"trailer\n<< /Size {size} /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
        )
        self._write("".join(lines).encode("ascii"))
        self._closed = True

    # --- internals ---------------------------------------------------------------------------

    def _reserve(self) -> int:
        number = self._next
        self._next += 1
        return number

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._pos
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def _stream(self, number: int, head: bytes, data: bytes) -> None:
        """An object with a stream; `head` is the dictionary without its closing `>>`."""
        self._offsets[number] = self._pos
        self._write(
            b"%d 0 obj\n" % number
            + head
            + b" /Length %d >>\nstream\n" % len(data)
            + data
            + b"\nendstream\nendobj\n"
        )

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._pos += len(data)


class PagePreparer:
    """Turns a page's pixels into compressed image streams, ready for `write_prepared`.

    Holds only the keys of shared images it has already compressed, so each is sent once.
    It can run in a helper thread (zlib releases the GIL) or in another process, as long
    as one preparer sees its pages in page order and the writer gets them in that order;
    several preparers (one per process) may each send a shared image once.
    """

    def __init__(self) -> None:
        self._keys: set[Hashable] = set()

    def prepare(self, page: PosterPage) -> PreparedPage:
        width_pt, height_pt = page.size.width_pt, page.size.height_pt
        sx = width_pt / page.size.width_px
        sy = height_pt / page.size.height_px
        images: list[_PreparedImage] = []
        for layer in page.layers:
            w, h = layer.image.size
            placement = (w * sx, h * sy, layer.x * sx, height_pt - (layer.y + h) * sy)
            if layer.key is not None and layer.key in self._keys:
                images.append(_PreparedImage(layer.key, None, b"", placement))
                continue
            head, data = _compress_image(layer)
            if layer.key is not None:
                self._keys.add(layer.key)
            images.append(_PreparedImage(layer.key, head, data, placement))
        return PreparedPage(width_pt, height_pt, tuple(images))


@dataclass(frozen=True)
class _PreparedImage:
    key: Hashable | None
    head: bytes | None  # None: a shared image an earlier page already carries
    data: bytes
    placement: tuple[float, float, float, float]  # width, height, x, y in points


@dataclass(frozen=True)
class PreparedPage:
    width_pt: float
    height_pt: float
    images: tuple[_PreparedImage, ...]


def _compress_image(layer: Layer) -> tuple[bytes, bytes]:
    img = layer.image
    if img.mode not in _COLOR:
        img = img.convert("RGB")
    space, bits = _COLOR[img.mode]
    head = (
        f"<< /Type /XObject /Subtype /Image /Width {img.width} /Height {img.height} "
        f"/ColorSpace {space} /BitsPerComponent {bits} /Filter /FlateDecode"
    ).encode("ascii")
    level = SHARED_COMPRESSION if layer.key is not None else COMPRESSION
    return head, zlib.compress(img.tobytes(), level)


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

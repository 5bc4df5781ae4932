"""Counter posters composed with Pillow at 300 DPI: A4, A5, an A6 table tent and a sticker.

Pure: no Flask. The portal turns a service point into a `PosterContent` (names, signed QR
URL, short code, follow-up promise, poster id) and a `PosterRenderer` turns that into a
`PosterPage`.

A page is a stack of layers: one full-page *template* with everything posters of a batch
share (colours, call to action, three steps, the promise, the region logo), then a few
small patches with what differs per poster (names, QR, short URL, footer). Templates are
cached per (size, logo, promise), so a batch of 1,000 posters draws the heavy parts only a
few times, and the PDF writer stores each template once and places it on every page.
`PosterPage.to_image()` flattens the layers for a PNG.

The layouts themselves (where each element goes on each size) are in qr/poster_layouts.py.
The printed text is Indonesian on purpose, whatever language the staff member's screen
uses: the poster hangs at an Indonesian counter. It is kept there as plain constants so
these modules need no Flask or locale machinery.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from PIL import Image, UnidentifiedImageError

from qr.poster_layouts import (
    WHITE,
    PanelLayout,
    Patch,
    PortraitLayout,
    StickerLayout,
    TentPanelLayout,
    draw_fold,
    mm,
    phone_lines,
)

# --- sizes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PosterSize:
    id: str
    width_mm: float
    height_mm: float

    @property
    def width_px(self) -> int:
        return mm(self.width_mm)

    @property
    def height_px(self) -> int:
        return mm(self.height_mm)

    @property
    def width_pt(self) -> float:
        return self.width_mm * 72 / 25.4

    @property
    def height_pt(self) -> float:
        return self.height_mm * 72 / 25.4


SIZES: dict[str, PosterSize] = {
    s.id: s
    for s in (
        PosterSize("a4", 210, 297),
        PosterSize("a5", 148, 210),
        # An A5 sheet folded across the middle: two A6 landscape faces, the upper one
        # printed upside down so both read upright once the tent stands on the counter.
        PosterSize("a6-tent", 148, 210),
        PosterSize("sticker", 100, 100),
    )
}

# --- content and logo ----------------------------------------------------------------------


@dataclass(frozen=True)
class Logo:
    """A region logo that decoded; `key` changes when the file does (template cache)."""

    key: str
    image: Image.Image = field(compare=False, repr=False)


@dataclass(frozen=True)
class LogoProblem:
    path: str
    reason: Literal["missing", "not-an-image", "outside-folder", "too-large"]
    detail: str = ""


LOGO_MAX_PX = 1200  # a 36 mm box at 300 DPI is 425 px; keep a little headroom, no more
LOGO_MAX_BYTES = 2 * 1024 * 1024  # a print logo is tens of kilobytes; 2 MB is plenty
LOGO_MAX_PIXELS = 4096 * 4096  # refuse to decode more than this (no decompression bombs)


def confined_logo_file(path: Path, folder: Path) -> tuple[Path | None, LogoProblem | None]:
    """`path` with every symlink resolved, if it is a regular file inside `folder`.

    The routing file is edited through the web: a `logo:` must never make the poster printer
    read a device (/dev/zero), a file elsewhere (../, an absolute path) or a symlink out.
    """
    try:
        real = path.resolve(strict=True)
        root = folder.resolve(strict=True)
    except FileNotFoundError:
        return None, LogoProblem(str(path), "missing")
    except (OSError, RuntimeError) as exc:  # a symlink loop, a permission problem
        return None, LogoProblem(str(path), "missing", str(exc))
    if not real.is_relative_to(root):
        return None, LogoProblem(str(path), "outside-folder", f"not inside {folder}")
    try:
        info = real.stat()
    except OSError as exc:
        return None, LogoProblem(str(path), "missing", exc.strerror or str(exc))
    if not stat.S_ISREG(info.st_mode):
        return None, LogoProblem(str(path), "not-an-image", "not a regular file")
    if info.st_size > LOGO_MAX_BYTES:
        return None, LogoProblem(str(path), "too-large", f"{info.st_size} bytes")
    return real, None


def load_logo(
    path: str | os.PathLike[str], folder: str | os.PathLike[str] | None = None
) -> tuple[Logo | None, LogoProblem | None]:
    """The logo at `path`, or the reason it cannot be used (the poster is made without it).

    Only a regular file inside `folder` (default: the file's own folder), at most
    LOGO_MAX_BYTES and LOGO_MAX_PIXELS, is read.
    """
    p = Path(path)
    real, problem = confined_logo_file(p, Path(folder) if folder is not None else p.parent)
    if real is None:
        return None, problem
    try:
        with real.open("rb") as handle:
            data = handle.read(LOGO_MAX_BYTES + 1)
    except OSError as exc:
        return None, LogoProblem(str(p), "missing", exc.strerror or str(exc))
    if len(data) > LOGO_MAX_BYTES:  # grew since the check
        return None, LogoProblem(str(p), "too-large", f"over {LOGO_MAX_BYTES} bytes")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > LOGO_MAX_PIXELS:
                return None, LogoProblem(str(p), "too-large", f"{img.width}x{img.height} pixels")
            img.load()
            logo = img.convert("RGBA")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        return None, LogoProblem(str(p), "not-an-image", str(exc))
    logo.thumbnail((LOGO_MAX_PX, LOGO_MAX_PX))
    return Logo(hashlib.sha256(data).hexdigest()[:16], logo), None


@dataclass(frozen=True)
class PosterContent:
    """Everything printed on one poster, as plain values."""

    agency_name: str
    unit_name: str
    service_name: str
    qr_url: str
    short_code: str  # printed form, "K7Q-3MZ"
    short_url: str  # as printed, without the scheme: "aduan.example.go.id/k/K7Q-3MZ"
    followup_days: int
    poster_id: str
    printed_on: date
    logo: Logo | None = None
    # The region's numbers as printed (routing file `whatsapp:`/`sms:`), or None: no line.
    whatsapp: str | None = None
    sms: str | None = None


# --- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """An opaque image placed at (x, y) pixels. Layers with the same `key` hold the same
    pixels, so a PDF stores them once however many pages show them."""

    image: Image.Image
    x: int
    y: int
    key: Hashable | None = None


@dataclass(frozen=True)
class PosterPage:
    size: PosterSize
    layers: tuple[Layer, ...]

    def to_image(self) -> Image.Image:
        """The flattened RGB page at 300 DPI (for PNG files and tests)."""
        base = self.layers[0]
        page = base.image.convert("RGB") if base.image.mode != "RGB" else base.image.copy()
        for layer in self.layers[1:]:
            page.paste(layer.image, (layer.x, layer.y))
        return page


# --- rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Face:
    """A panel placed on the page, upright or turned 180 degrees (the tent's back)."""

    layout: PanelLayout
    x: int
    y: int
    upside_down: bool = False


def _faces(size: PosterSize) -> tuple[_Face, ...]:
    if size.id == "a6-tent":
        panel = TentPanelLayout()
        half = size.height_px // 2
        return (_Face(panel, 0, 0, upside_down=True), _Face(panel, 0, half))
    if size.id == "sticker":
        return (_Face(StickerLayout(), 0, 0),)
    return (_Face(PortraitLayout(size.width_mm, size.height_mm), 0, 0),)


class PosterRenderer:
    """Renders posters of one size, reusing the shared template between posters."""

    TEMPLATE_CACHE = 4  # (logo, promise) combinations kept; a batch rarely has more

    def __init__(self, size: PosterSize | str):
        self.size = SIZES[size] if isinstance(size, str) else size
        self.faces = _faces(self.size)
        self._templates: OrderedDict[Hashable, Image.Image] = OrderedDict()

    def render(self, content: PosterContent) -> PosterPage:
        key = self._template_key(content)
        layers = [Layer(self._template(key, content), 0, 0, key)]
        drawn: dict[int, list[Patch]] = {}  # the tent's two faces share one layout
        for face in self.faces:
            fw, fh = face.layout.size_px
            patches = drawn.get(id(face.layout))
            if patches is None:
                patches = drawn[id(face.layout)] = face.layout.patches(content)
            for x, y, img, patch_key in patches:
                if face.upside_down:
                    img = img.transpose(Image.Transpose.ROTATE_180)
                    x, y = fw - x - img.width, fh - y - img.height
                    patch_key = None if patch_key is None else ("turned", patch_key)
                layers.append(Layer(img, face.x + x, face.y + y, patch_key))
        return PosterPage(self.size, tuple(layers))

    def _template_key(self, content: PosterContent) -> Hashable:
        uses_logo = any(f.layout.uses_logo for f in self.faces)
        logo_key = content.logo.key if content.logo is not None and uses_logo else None
        key = ("template", self.size.id, logo_key, content.followup_days)
        return (*key, "phone") if phone_lines(content) else key

    def _template(self, key: Hashable, content: PosterContent) -> Image.Image:
        cached = self._templates.get(key)
        if cached is not None:
            self._templates.move_to_end(key)
            return cached
        page = Image.new("RGB", (self.size.width_px, self.size.height_px), WHITE)
        phone = bool(phone_lines(content))
        for face in self.faces:
            if face.layout.size_px == page.size and not face.upside_down:
                face.layout.draw_static(page, content.logo, content.followup_days, phone)
                continue
            panel = Image.new("RGB", face.layout.size_px, WHITE)
            face.layout.draw_static(panel, content.logo, content.followup_days, phone)
            if face.upside_down:
                panel = panel.transpose(Image.Transpose.ROTATE_180)
            page.paste(panel, (face.x, face.y))
        if self.size.id == "a6-tent":
            draw_fold(page)
        self._templates[key] = page
        while len(self._templates) > self.TEMPLATE_CACHE:
            self._templates.popitem(last=False)
        return page


def render_poster(content: PosterContent, size: PosterSize | str) -> PosterPage:
    """One poster; for batches keep a PosterRenderer so the template is drawn once."""
    return PosterRenderer(size).render(content)

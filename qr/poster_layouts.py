"""Where everything goes on each poster size, and the drawing helpers that put it there.

Each layout describes one printable face in millimetres at 300 DPI: `draw_static` draws
what every poster of a batch shares (the template), `patches` what differs per poster.
Boxes are fixed, and all text is fitted into its box (qr/textfit.py), so a long name can
shrink or wrap but never push anything else out of place or into the margins.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NamedTuple

import segno
from PIL import Image, ImageDraw, ImageOps

from qr.render import QUIET_ZONE, make_code
from qr.textfit import Color, TextSpec, draw_stack, fit_common, fit_stack, font

if TYPE_CHECKING:
    from qr.poster import Logo, PosterContent

DPI = 300

# Colours: dark enough that a black-and-white office laser printer keeps white text on the
# band readable and the accent distinct from body text.
WHITE: Color = (255, 255, 255)
NAVY: Color = (16, 52, 92)
RED: Color = (184, 28, 44)
INK: Color = (24, 24, 24)
GREY: Color = (80, 80, 80)
PALE: Color = (226, 236, 247)
FOLD: Color = (170, 170, 170)

CALL_TO_ACTION = "Ada keluhan, saran atau pertanyaan tentang layanan ini?"
CALL_TO_ACTION_2 = "Pindai dan sampaikan"
SERVICE_LABEL = "LAYANAN"
NO_SCAN = "Tidak bisa memindai? Buka alamat ini di peramban:"
NO_SCAN_SHORT = "Tidak bisa memindai? Buka:"
STEPS = (
    "Pindai kode QR dengan kamera ponsel.",
    "Tulis keluhan, saran, atau pertanyaan Anda. Boleh anonim.",
    "Simpan kode pelacakan untuk memantau tindak lanjutnya.",
)
STEPS_SHORT = ("Pindai kode QR", "Tulis laporan (boleh anonim)", "Simpan kode pelacakan")
BRAND = "Aduan Langsung"
FOLD_LABEL = "lipat di sini"
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def whatsapp_line(code: str, number: str) -> str:
    """The chat alternative to the QR: the printed short code ("K7Q-3MZ") to send."""
    return f"Scan QR, atau kirim kode {code} ke WhatsApp {number}"


def sms_line(code: str, number: str) -> str:
    """The one-message SMS report, `LAPOR <code> <text>`; the code without its hyphen, as
    a phone keypad user types it."""
    return f"SMS: LAPOR {code.replace('-', '')} <isi laporan> ke {number}"


def phone_lines(content: PosterContent) -> tuple[str, ...]:
    """What the poster says about WhatsApp and SMS: nothing when the region has neither
    (those posters stay exactly as before)."""
    lines = []
    if content.whatsapp:
        lines.append(whatsapp_line(content.short_code, content.whatsapp))
    if content.sms:
        lines.append(sms_line(content.short_code, content.sms))
    return tuple(lines)


def _phone_specs(lines: Sequence[str], max_size: int, min_size: int) -> list[TextSpec]:
    # Two lines each at most: a long number wraps and shrinks but is never cut.
    return [TextSpec(line, "bold", max_size, min_size, 2, NAVY) for line in lines]


def promise(days: int) -> str:
    return f"Setiap pengaduan ditindaklanjuti paling lambat {days} hari kerja."


def indonesian_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def mm(value: float) -> int:
    """Millimetres to pixels at 300 DPI."""
    return round(value * DPI / 25.4)


def pt(value: float) -> int:
    """Typographic points to pixels at 300 DPI (a 12 pt line is 50 px)."""
    return round(value * DPI / 72)


# --- drawing helpers -----------------------------------------------------------------------

Box = tuple[int, int, int, int]


def qr_image(url: str, box_px: int) -> Image.Image:
    """The QR (quiet zone included) as a 1-bit image with whole-pixel modules, <= box_px."""
    code = make_code(url)
    return qr_image_for(code, box_px)


def qr_image_for(code: segno.QRCode, box_px: int) -> Image.Image:
    rows = list(code.matrix_iter(scale=1, border=QUIET_ZONE))
    n = len(rows)
    module = max(1, box_px // n)
    raw = bytes(0 if dark else 255 for row in rows for dark in row)
    small = Image.frombytes("L", (n, n), raw)
    big = small.resize((n * module, n * module), Image.Resampling.NEAREST)
    return big.convert("1", dither=Image.Dither.NONE)


def _rounded(draw: ImageDraw.ImageDraw, box: Box, radius: int, fill: Color) -> None:
    """Fill box = (left, top, right, bottom) with right/bottom exclusive, like a crop box
    (Pillow's shapes include their end pixel, which would touch the margin)."""
    left, top, right, bottom = box
    draw.rounded_rectangle((left, top, right - 1, bottom - 1), radius=radius, fill=fill)


class Patch(NamedTuple):
    """What differs per poster: an image at (x, y) of its face. Text patches carry a key
    made of everything that decides their pixels, so equal ones (the agency and unit names
    on every poster of a unit) are drawn once and stored once in a PDF."""

    x: int
    y: int
    image: Image.Image
    key: Hashable | None = None


def _text_patch(
    box: Box,
    specs: Sequence[TextSpec],
    *,
    background: Color = WHITE,
    gap: int = 0,
    align: Literal["left", "center"] = "left",
    valign: Literal["top", "middle", "bottom"] = "middle",
) -> Patch:
    """The texts fitted inside `box`, as a patch cropped to where the ink is (the template
    under it has the same background), which keeps every page small and quick to write."""
    key = ("text", box, tuple(specs), background, gap, align, valign)
    x, y, img = _draw_text_patch(*key[1:])
    return Patch(x, y, img, key)


@lru_cache(maxsize=32)
def _draw_text_patch(
    box: Box,
    specs: tuple[TextSpec, ...],
    background: Color,
    gap: int,
    align: Literal["left", "center"],
    valign: Literal["top", "middle", "bottom"],
) -> tuple[int, int, Image.Image]:
    left, top, right, bottom = box
    grey = all(c[0] == c[1] == c[2] for c in (background, *(s.color for s in specs)))
    # Black-and-grey text is stored as one channel: a third of the bytes to compress.
    img = Image.new(
        "L" if grey else "RGB", (right - left, bottom - top), background[0] if grey else background
    )
    fitted = fit_stack(specs, right - left, bottom - top, gap)
    used = draw_stack(
        ImageDraw.Draw(img),
        fitted,
        (0, 0, right - left, bottom - top),
        gap=gap,
        align=align,
        valign=valign,
    )
    if used is None:
        return left, top, img.crop((0, 0, 1, 1))
    return left + used[0], top + used[1], img.crop(used)


def _draw_text(
    draw: ImageDraw.ImageDraw,
    box: Box,
    specs: Sequence[TextSpec],
    *,
    gap: int = 0,
    align: Literal["left", "center"] = "left",
    valign: Literal["top", "middle", "bottom"] = "middle",
) -> None:
    fitted = fit_stack(specs, box[2] - box[0], box[3] - box[1], gap)
    draw_stack(draw, fitted, box, gap=gap, align=align, valign=valign)


def _paste_logo(img: Image.Image, logo: Logo, box: Box, radius: int) -> None:
    """The logo on a white tile, so any logo stays visible on the dark band."""
    draw = ImageDraw.Draw(img)
    _rounded(draw, box, radius, WHITE)
    pad = max(2, (box[2] - box[0]) // 12)
    inner = (box[2] - box[0] - 2 * pad, box[3] - box[1] - 2 * pad)
    fitted = ImageOps.contain(logo.image, inner, Image.Resampling.LANCZOS)
    x = box[0] + pad + (inner[0] - fitted.width) // 2
    y = box[1] + pad + (inner[1] - fitted.height) // 2
    img.paste(fitted, (x, y), fitted)


def _number_disc(draw: ImageDraw.ImageDraw, center: tuple[int, int], radius: int, n: int) -> None:
    cx, cy = center
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=RED)
    draw.text((cx, cy), str(n), font=font("bold", round(radius * 1.3)), fill=WHITE, anchor="mm")


# --- layouts -------------------------------------------------------------------------------


class PanelLayout:
    """One printable face: where each element goes, in pixels of the face."""

    width_mm: float
    height_mm: float
    uses_logo: bool = True

    @property
    def size_px(self) -> tuple[int, int]:
        return mm(self.width_mm), mm(self.height_mm)

    def draw_static(
        self, img: Image.Image, logo: Logo | None, days: int, phone: bool = False
    ) -> None:
        """The shared template; `phone`: room is made for the WhatsApp/SMS lines."""
        raise NotImplementedError

    def patches(self, content: PosterContent) -> list[Patch]:
        raise NotImplementedError


class PortraitLayout(PanelLayout):
    """A4 and A5: the A4 design in millimetres, scaled (A5 is A4 shrunk by 1/sqrt 2)."""

    def __init__(self, width_mm: float, height_mm: float):
        self.width_mm, self.height_mm = width_mm, height_mm
        self.s = width_mm / 210

    def px(self, value_mm: float) -> int:
        return mm(value_mm * self.s)

    def box(self, left: float, top: float, right: float, bottom: float) -> Box:
        return self.px(left), self.px(top), self.px(right), self.px(bottom)

    def fs(self, points: float) -> int:
        return pt(points * self.s)

    def names_box(self, has_logo: bool) -> Box:
        return self.box(56 if has_logo else 19, 16, 193, 52)

    # Without phone lines: the QR down to 216 mm, then the browser hint and the short URL.
    # With them, the QR gives up 10 mm and the lines sit between the short URL and steps.
    def qr_bottom(self, phone: bool) -> float:
        return 206 if phone else 216

    def draw_static(
        self, img: Image.Image, logo: Logo | None, days: int, phone: bool = False
    ) -> None:
        d = ImageDraw.Draw(img)
        _rounded(d, self.box(12, 12, 198, 56), self.px(4), NAVY)
        if logo is not None:
            _paste_logo(img, logo, self.box(17, 17, 51, 51), self.px(3))
        d.text(
            (img.width // 2, self.px(61)),
            SERVICE_LABEL,
            font=font("bold", self.fs(11)),
            fill=GREY,
            anchor="mm",
        )
        _draw_text(
            d,
            self.box(16, 87, 194, 124),
            [
                TextSpec(CALL_TO_ACTION, "bold", self.fs(24), self.fs(18), 2, INK),
                TextSpec(CALL_TO_ACTION_2, "bold", self.fs(38), self.fs(28), 1, RED),
            ],
            gap=self.px(2),
            align="center",
        )
        no_scan = self.qr_bottom(phone)
        _draw_text(
            d,
            self.box(16, no_scan, 194, no_scan + 6),
            [TextSpec(NO_SCAN, "regular", self.fs(14), self.fs(10), 1, GREY)],
            align="center",
        )
        column = 60
        boxes = [
            self.box(14 + i * (column + 2) + 14, 239, 14 + i * (column + 2) + column, 264)
            for i in range(3)
        ]
        steps = fit_common(
            [TextSpec(t, "regular", self.fs(14), self.fs(10), 3, INK) for t in STEPS],
            boxes[0][2] - boxes[0][0],
            boxes[0][3] - boxes[0][1],
        )
        for i, (fitted, box) in enumerate(zip(steps, boxes, strict=True)):
            _number_disc(
                d, (self.px(14 + i * (column + 2) + 6), self.px(251.5)), self.px(5.5), i + 1
            )
            draw_stack(d, [fitted], box, valign="middle")
        _rounded(d, self.box(12, 268, 198, 279), self.px(2.5), PALE)
        _draw_text(
            d,
            self.box(16, 268, 194, 279),
            [TextSpec(promise(days), "bold", self.fs(17), self.fs(11), 1, NAVY)],
            align="center",
        )
        d.text(
            (self.px(196), self.px(285)),
            BRAND,
            font=font("bold", self.fs(9)),
            fill=GREY,
            anchor="rd",
        )

    def patches(self, content: PosterContent) -> list[Patch]:
        lines = phone_lines(content)
        bottom = self.qr_bottom(bool(lines))
        qr_box = self.box(58, 124, 152, bottom)
        # (Without phone lines the QR keeps the size it always had, so those posters stay
        # byte for byte what they were.)
        qr = qr_image(content.qr_url, (qr_box[3] - qr_box[1]) if lines else (qr_box[2] - qr_box[0]))
        qr_x = (self.size_px[0] - qr.width) // 2
        qr_y = qr_box[1] + (qr_box[3] - qr_box[1] - qr.height) // 2
        phone = []
        if lines:
            phone.append(
                _text_patch(
                    self.box(16, bottom + 18, 194, bottom + 31),
                    _phone_specs(lines, self.fs(18), self.fs(10)),
                    gap=self.px(1),
                    align="center",
                )
            )
        return [
            _text_patch(
                self.names_box(content.logo is not None),
                [
                    TextSpec(content.agency_name, "bold", self.fs(30), self.fs(15), 2, WHITE),
                    TextSpec(content.unit_name, "regular", self.fs(24), self.fs(12), 3, WHITE),
                ],
                background=NAVY,
                gap=self.px(1.5),
            ),
            _text_patch(
                self.box(16, 64, 194, 85),
                [TextSpec(content.service_name, "bold", self.fs(40), self.fs(20), 2, INK)],
                align="center",
            ),
            Patch(qr_x, qr_y, qr),
            _text_patch(
                self.box(16, bottom + 6, 194, bottom + (17 if lines else 18)),
                [TextSpec(content.short_url, "bold", self.fs(30), self.fs(14), 1, NAVY)],
                align="center",
            ),
            *phone,
            _text_patch(
                self.box(14, 281, 150, 285),
                [TextSpec(_footer(content), "regular", self.fs(9), self.fs(7), 1, GREY)],
                valign="bottom",
            ),
        ]


class TentPanelLayout(PanelLayout):
    """One A6 landscape face of the table tent: QR left, words right."""

    width_mm, height_mm = 148, 105

    def names_box(self, has_logo: bool) -> Box:
        return mm(26 if has_logo else 10), mm(8), mm(139), mm(23)

    # With phone lines, they take the row of the three short steps: an A6 face has no room
    # for both, and the lines say the same to a citizen who cannot or will not scan.
    PHONE_BOX = (mm(7), mm(87.5), mm(142), mm(95))

    def draw_static(
        self, img: Image.Image, logo: Logo | None, days: int, phone: bool = False
    ) -> None:
        d = ImageDraw.Draw(img)
        _rounded(d, (mm(6), mm(6), mm(142), mm(25)), mm(3), NAVY)
        if logo is not None:
            _paste_logo(img, logo, (mm(8.5), mm(8.5), mm(22.5), mm(22.5)), mm(2))
        d.text((mm(68), mm(28)), SERVICE_LABEL, font=font("bold", pt(7)), fill=GREY, anchor="la")
        _draw_text(
            d,
            (mm(68), mm(45), mm(142), mm(63)),
            [
                TextSpec(CALL_TO_ACTION, "bold", pt(11), pt(8), 3, INK),
                TextSpec(CALL_TO_ACTION_2, "bold", pt(16), pt(11), 1, RED),
            ],
            gap=mm(0.5),
        )
        _draw_text(
            d,
            (mm(68), mm(64), mm(142), mm(67.5)),
            [TextSpec(NO_SCAN_SHORT, "regular", pt(8), pt(6.5), 1, GREY)],
        )
        _rounded(d, (mm(68), mm(75), mm(142), mm(86)), mm(1.5), PALE)
        _draw_text(
            d,
            (mm(70), mm(75), mm(140), mm(86)),
            [TextSpec(promise(days), "bold", pt(9), pt(6.5), 2, NAVY)],
        )
        x = mm(7)
        radius = mm(1.9)
        step_font = font("regular", pt(8))
        for i, text in enumerate(() if phone else STEPS_SHORT):
            _number_disc(d, (x + radius, mm(91)), radius, i + 1)
            x += 2 * radius + mm(1.2)
            d.text((x, mm(91)), text, font=step_font, fill=INK, anchor="lm")
            x += round(step_font.getlength(text)) + mm(4)
        d.text((mm(141.5), mm(99)), BRAND, font=font("bold", pt(7)), fill=GREY, anchor="rd")

    def patches(self, content: PosterContent) -> list[Patch]:
        qr_box = (mm(6), mm(27), mm(65), mm(86))
        qr = qr_image(content.qr_url, qr_box[2] - qr_box[0])
        qr_x = qr_box[0] + (qr_box[2] - qr_box[0] - qr.width) // 2
        qr_y = qr_box[1] + (qr_box[3] - qr_box[1] - qr.height) // 2
        return [
            _text_patch(
                self.names_box(content.logo is not None),
                [
                    TextSpec(content.agency_name, "bold", pt(15), pt(8), 2, WHITE),
                    TextSpec(content.unit_name, "regular", pt(12), pt(7), 2, WHITE),
                ],
                background=NAVY,
                gap=mm(0.5),
            ),
            _text_patch(
                (mm(68), mm(31), mm(142), mm(44)),
                [TextSpec(content.service_name, "bold", pt(20), pt(10), 2, INK)],
                valign="top",
            ),
            Patch(qr_x, qr_y, qr),
            _text_patch(
                (mm(68), mm(67.5), mm(142), mm(73.5)),
                [TextSpec(content.short_url, "bold", pt(14), pt(7), 1, NAVY)],
            ),
            *self._phone_patches(content),
            _text_patch(
                (mm(7), mm(95.5), mm(110), mm(99)),
                [TextSpec(_footer(content), "regular", pt(7), pt(6), 1, GREY)],
                valign="bottom",
            ),
        ]

    def _phone_patches(self, content: PosterContent) -> list[Patch]:
        lines = phone_lines(content)
        if not lines:
            return []
        return [_text_patch(self.PHONE_BOX, _phone_specs(lines, pt(8), pt(5.5)), gap=mm(0.3))]


class StickerLayout(PanelLayout):
    """10 x 10 cm: the QR dominates; the three steps do not fit legibly, so they are left
    out (the form itself walks the citizen through them), and so is the logo."""

    width_mm, height_mm = 100, 100
    uses_logo = False

    def draw_static(
        self, img: Image.Image, logo: Logo | None, days: int, phone: bool = False
    ) -> None:
        d = ImageDraw.Draw(img)
        _draw_text(
            d,
            (mm(6), mm(5.5), mm(94), mm(18.5)),
            [
                TextSpec(CALL_TO_ACTION, "bold", pt(10), pt(8), 2, INK),
                TextSpec(CALL_TO_ACTION_2, "bold", pt(14), pt(10), 1, RED),
            ],
            align="center",
        )

    def patches(self, content: PosterContent) -> list[Patch]:
        # The QR sits at the top of its box and the names take whatever it leaves, so a
        # short URL (smaller QR version) gives long names more room.
        # With phone lines the QR gives up 8 mm and the lines sit above the short URL.
        lines = phone_lines(content)
        qr = qr_image(content.qr_url, mm(46 if lines else 54))
        qr_x = (self.size_px[0] - qr.width) // 2
        qr_y = mm(18.5)
        where = f"{content.unit_name} · {content.agency_name}"
        names_bottom = mm(79.5 if lines else 86)
        phone = []
        if lines:
            phone.append(
                _text_patch(
                    (mm(6), mm(79.8), mm(94), mm(85.8)),
                    _phone_specs(lines, pt(7), pt(4.5)),
                    gap=mm(0.2),
                    align="center",
                )
            )
        return [
            Patch(qr_x, qr_y, qr),
            *phone,
            _text_patch(
                (mm(6), qr_y + qr.height, mm(94), names_bottom),
                [
                    TextSpec(content.service_name, "bold", pt(12), pt(8), 2, INK),
                    TextSpec(where, "regular", pt(8), pt(6), 3, GREY),
                ],
                align="center",
                valign="top",
            ),
            _text_patch(
                (mm(6), mm(86), mm(94), mm(90)),
                [TextSpec(content.short_url, "bold", pt(10), pt(6), 1, NAVY)],
                align="center",
            ),
            _text_patch(
                (mm(6), mm(90.2), mm(94), mm(95)),
                [
                    TextSpec(promise(content.followup_days), "bold", pt(6.5), pt(5), 1, GREY),
                    TextSpec(_footer(content), "regular", pt(5.5), pt(4.5), 1, GREY),
                ],
                align="center",
                valign="bottom",
            ),
        ]


def _footer(content: PosterContent) -> str:
    return f"ID poster {content.poster_id} · dicetak {indonesian_date(content.printed_on)}"


def draw_fold(page: Image.Image) -> None:
    """A dashed fold line across the middle, inside the side margins."""
    d = ImageDraw.Draw(page)
    y = page.height // 2
    label_font = font("regular", pt(6))
    label_w = round(label_font.getlength(FOLD_LABEL)) + mm(4)
    mid = page.width // 2
    x = mm(6)
    while x < mm(142):
        end = min(x + mm(3), mm(142))
        if end < mid - label_w // 2 or x > mid + label_w // 2:
            d.line((x, y, end, y), fill=FOLD, width=3)
        x += mm(5)
    d.text((mid, y), FOLD_LABEL, font=label_font, fill=FOLD, anchor="mm")

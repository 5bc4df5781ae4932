"""Text that fits its box: the shipped font, word wrapping, shrinking, and drawing.

Unit and agency names come from the routing file and can be very long ("Dinas Penanaman
Modal dan Pelayanan Terpadu Satu Pintu ..."), so every text on a poster is laid out into a
fixed box: it wraps, then shrinks down to a legible minimum, and only as a last resort is
cut with an ellipsis. Nothing is ever drawn outside its box, so nothing leaves the margins.

The font (Noto Sans, SIL OFL 1.1, in qr/fonts/) ships with the project: a poster must look
the same on a laptop, a server and CI, whatever fonts the machine happens to have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageDraw, ImageFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"regular": "NotoSans-Regular.ttf", "bold": "NotoSans-Bold.ttf"}
ELLIPSIS = "…"
Weight = Literal["regular", "bold"]
Align = Literal["left", "center"]
Color = tuple[int, int, int]


@lru_cache(maxsize=512)
def font(weight: Weight, size: int) -> ImageFont.FreeTypeFont:
    """The shipped font at `size` pixels; cached because batches reuse a few sizes."""
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[weight]), size)


LINE_SPACING = 1.25  # baseline to baseline, in em: a descender never meets an accent


def line_height(f: ImageFont.FreeTypeFont) -> int:
    """Ascent + descent: every glyph's ink of one line stays within this height."""
    ascent, descent = f.getmetrics()
    return ascent + descent


def line_step(f: ImageFont.FreeTypeFont) -> int:
    """Distance between the tops of two lines: tighter than line_height, as type is set."""
    return round(f.size * LINE_SPACING)


@dataclass(frozen=True)
class TextSpec:
    """One piece of text to place: its largest and smallest size and its line budget."""

    text: str
    weight: Weight = "regular"
    max_size: int = 40
    min_size: int = 20
    max_lines: int = 2
    color: Color = (0, 0, 0)


@dataclass(frozen=True)
class FittedText:
    spec: TextSpec
    lines: tuple[str, ...]
    size: int

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return font(self.spec.weight, self.size)

    @property
    def height(self) -> int:
        if not self.lines:
            return 0
        return (len(self.lines) - 1) * line_step(self.font) + line_height(self.font)

    @property
    def truncated(self) -> bool:
        return " ".join(self.lines) != " ".join(self.spec.text.split())


def _split_long_word(word: str, f: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Cut a word wider than the box into pieces that fit (IDs and URLs have no spaces)."""
    pieces, current = [], ""
    for ch in word:
        if current and f.getlength(current + ch) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return [*pieces, current] if current else pieces


@lru_cache(maxsize=8192)
def _width(f: ImageFont.FreeTypeFont, text: str) -> float:
    return f.getlength(text)


def wrap(text: str, f: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap; a single word wider than the box is broken between characters.

    Line widths are summed from cached word widths (batches repeat the same words), so
    trying many sizes stays cheap; `_fits` checks the real width of the chosen lines.
    """
    space = _width(f, " ")
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word in text.split():
        w = _width(f, word)
        if current and used + space + w <= width:
            current.append(word)
            used += space + w
            continue
        if current:
            lines.append(" ".join(current))
        if w <= width:
            current, used = [word], w
        else:
            *full, last = _split_long_word(word, f, width)
            lines.extend(full)
            current, used = [last], _width(f, last)
    if current:
        lines.append(" ".join(current))
    return lines


def _fits(lines: Sequence[str], f: ImageFont.FreeTypeFont, width: float) -> bool:
    return all(f.getlength(line) <= width for line in lines)


def balanced_wrap(text: str, f: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Wrap into as few lines as `wrap` does, but with lines of similar length, so a
    two-line title never ends with one lonely word."""
    lines = wrap(text, f, width)
    if len(lines) < 2:
        return lines
    low, high = width / len(lines), width
    best = lines
    for _ in range(8):
        mid = (low + high) / 2
        candidate = wrap(text, f, mid)
        if len(candidate) == len(lines):
            best, high = candidate, mid
        else:
            low = mid
    return best


def _ellipsize(line: str, f: ImageFont.FreeTypeFont, width: float) -> str:
    while line and f.getlength(line.rstrip() + ELLIPSIS) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def _at_size(spec: TextSpec, size: int, width: float) -> FittedText:
    return FittedText(spec, tuple(wrap(spec.text, font(spec.weight, size), width)), size)


def _within(fitted: Sequence[FittedText], width: float) -> bool:
    """Line budgets kept and every line really fits (checked last: it measures glyphs)."""
    return all(len(f.lines) <= f.spec.max_lines for f in fitted) and all(
        _fits(f.lines, f.font, width) for f in fitted
    )


def _balanced(fitted: FittedText, width: float) -> FittedText:
    f = fitted.font
    lines = balanced_wrap(fitted.spec.text, f, width)
    if len(lines) != len(fitted.lines) or not _fits(lines, f, width):
        return fitted
    return FittedText(fitted.spec, tuple(lines), fitted.size)


def _cut(spec: TextSpec, size: int, width: float, max_lines: int) -> FittedText:
    f = font(spec.weight, size)
    lines = wrap(spec.text, f, width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        if lines:
            lines[-1] = _ellipsize(lines[-1], f, width)
    lines = [line if f.getlength(line) <= width else _ellipsize(line, f, width) for line in lines]
    return FittedText(spec, tuple(lines), size)


def fit_stack(specs: Sequence[TextSpec], width: int, height: int, gap: int = 0) -> list[FittedText]:
    """Lay several texts out one under the other in a width x height box.

    All texts shrink together (so their hierarchy survives) until each fits its line
    budget and the stack fits the height. At the minimum sizes, text that still does not
    fit is cut with an ellipsis; the result never exceeds the box.
    """
    steps = 24
    for step in range(steps + 1):
        t = step / steps
        sizes = [round(s.max_size - (s.max_size - s.min_size) * t) for s in specs]
        fitted = [_at_size(spec, size, width) for spec, size in zip(specs, sizes, strict=True)]
        if _stack_height(fitted, gap) <= height and _within(fitted, width):
            return [_balanced(f, width) for f in fitted]
    # Last resort: minimum sizes, line budgets enforced, then drop lines from the bottom.
    fitted = [_cut(s, s.min_size, width, s.max_lines) for s in specs]
    while _stack_height(fitted, gap) > height:
        index = max(i for i, f in enumerate(fitted) if f.lines)
        f = fitted[index]
        fitted[index] = _cut(f.spec, f.size, width, len(f.lines) - 1)
    return fitted


def _stack_height(fitted: Sequence[FittedText], gap: int) -> int:
    present = [f for f in fitted if f.lines]
    return sum(f.height for f in present) + gap * max(0, len(present) - 1)


def draw_stack(
    draw: ImageDraw.ImageDraw,
    fitted: Sequence[FittedText],
    box: tuple[int, int, int, int],
    *,
    gap: int = 0,
    align: Align = "left",
    valign: Literal["top", "middle", "bottom"] = "top",
) -> tuple[int, int, int, int] | None:
    """Draw fitted texts inside box = (left, top, right, bottom); returns the rectangle
    the lines occupy (with room for glyph overhang, clipped to the box), None if empty."""
    left, top, right, bottom = box
    used: list[tuple[int, int, int, int]] = []
    total = _stack_height(fitted, gap)
    if valign == "middle":
        y = top + (bottom - top - total) // 2
    elif valign == "bottom":
        y = bottom - total
    else:
        y = top
    for f in fitted:
        if not f.lines:
            continue
        fnt = f.font
        step = line_step(fnt)
        pad = max(2, fnt.size // 8)
        ink = f.spec.color[0] if draw.mode == "L" else f.spec.color  # grey text, one channel
        for line in f.lines:
            length = fnt.getlength(line)
            x = left
            if align == "center":
                x = left + round((right - left - length) / 2)
            draw.text((x, y), line, font=fnt, fill=ink, anchor="la")
            used.append((x - pad, y, round(x + length) + pad, y + line_height(fnt)))
            y += step
        y += line_height(fnt) - step + gap
    if not used:
        return None
    return (
        max(left, min(u[0] for u in used)),
        max(top, min(u[1] for u in used)),
        min(right, max(u[2] for u in used)),
        min(bottom, max(u[3] for u in used)),
    )


def fit_common(specs: Sequence[TextSpec], width: int, height: int) -> list[FittedText]:
    """Fit several texts into boxes of the same size at ONE common size (the three steps
    of a poster would look accidental in three different sizes)."""
    top = min(s.max_size for s in specs)
    bottom = min(s.min_size for s in specs)
    for size in range(top, bottom - 1, -1):
        fitted = [_at_size(s, size, width) for s in specs]
        if all(f.height <= height for f in fitted) and _within(fitted, width):
            return [_balanced(f, width) for f in fitted]
    return [fit_stack([s], width, height)[0] for s in specs]

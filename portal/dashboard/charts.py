"""Monthly trend charts as small inline SVG, drawn on the server (pure, no Flask).

No JavaScript and no charting library: a chart is a few hundred bytes of SVG in the page,
so the dashboard stays light on a cheap phone over a slow network. Every chart comes with
its numbers in a table (the template's job), for screen readers and for exact values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 10, 22


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    css_class: str  # colours live in app.css, so a chart follows the page's palette


def _nice_max(value: float) -> float:
    """A round top for the axis (1, 2, 5 × 10^n) at or above the largest value."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for m in (1, 2, 5, 10):
        if value <= m * step:
            return m * step
    return 10 * step


def _frame(title: str, labels: Sequence[str], top: float, body: list[str], unit: str) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" '
        f'y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 3}" y="{TOP + 4}" text-anchor="end">'
        f"{_fmt(top)}{escape(unit)}</text>",
        f'<text class="tick" x="{LEFT - 3}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    n = max(1, len(labels))
    every = max(1, -(-n // 6))  # at most about six month labels fit on a phone
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            x = LEFT + plot_w * (i + 0.5) / n
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.extend(body)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "") -> str:
    """Grouped bars, one group per month."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((v or 0 for s in series for v in s.values), default=0))
    n, k = max(1, len(labels)), max(1, len(series))
    slot = plot_w / n
    bar = slot * 0.8 / k
    body = []
    for j, s in enumerate(series):
        for i, v in enumerate(s.values):
            if not v:
                continue
            h = plot_h * v / top
            x = LEFT + slot * i + slot * 0.1 + bar * j
            body.append(
                f'<rect class="{s.css_class}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"><title>{escape(labels[i])}: '
                f"{_fmt(v)} {escape(s.name)}</title></rect>"
            )
    return _frame(title, labels, top, body, unit)


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "", top=None
) -> str:
    """Lines with a dot per month; a month without a value breaks the line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = top or _nice_max(max((v or 0 for s in series for v in s.values), default=0))
    n = max(1, len(labels))
    body = []
    for s in series:
        points, runs = [], [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            x = LEFT + plot_w * (i + 0.5) / n
            y = TOP + plot_h - plot_h * v / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
            points.append(
                f'<circle class="{s.css_class}" cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
                f"<title>{escape(labels[i])}: {_fmt(v)}{escape(unit)}</title></circle>"
            )
        body.extend(
            f'<polyline class="{s.css_class}" fill="none" points="{" ".join(r)}"/>'
            for r in runs
            if len(r) > 1
        )
        body.extend(points)
    return _frame(title, labels, top, body, unit)


def _fmt(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"

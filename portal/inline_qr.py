"""A link as an inline SVG QR code for a page (the private link, an authenticator's key)."""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def qr_svg(link: str, label: str) -> Markup:
    """The link as an inline SVG QR code: no data: URL and no style attribute (the CSP
    allows neither), just paths with a class, so the stylesheet sizes it."""
    svg = segno.make(link, error="m").svg_inline(
        scale=4, border=4, svgclass="qr", lineclass="qr-line", dark="#000", light="#fff"
    )
    if " style=" in svg or not svg.startswith("<svg "):
        raise ValueError("segno's SVG changed shape: it would break the CSP")
    opening = f'<svg role="img" aria-label="{escape(label)}" '
    return Markup(opening + svg[len("<svg ") :])  # noqa: S704 - segno's own markup, label escaped

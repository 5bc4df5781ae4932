"""Poster QR codes: the URL they carry and the image files printed from them.

The whole URL is upper-cased when the base URL is only scheme + host[:port]: then every
character is in the QR alphanumeric set (5.5 bits/char instead of 8 in byte mode), which
gives a smaller version with bigger modules that cheap phones read from further away.
Scheme and host are case-insensitive and the app answers both /q/ and /Q/.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import segno

QR_PATH = "/q/"
WRITE_KINDS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
QUIET_ZONE = 4  # modules; ISO/IEC 18004 requires 4 for reliable scanning


def qr_url(base_url: str, payload: str) -> str:
    """`<base>/q/<payload>`, all upper case when the base has no path (alphanumeric mode)."""
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"PUBLIC_BASE_URL must be an absolute http(s) URL, got {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"PUBLIC_BASE_URL must not have a query or fragment: {base_url!r}")
    url = f"{base_url.rstrip('/')}{QR_PATH}{payload}"
    # Only the host part is case-insensitive: user info and paths keep their case, and an
    # internationalised host is left alone (it is byte mode anyway).
    host_only = parts.path in {"", "/"} and "@" not in parts.netloc and parts.netloc.isascii()
    return url.upper() if host_only else url


def make_code(url: str) -> segno.QRCode:
    """A full-size QR at error level Q or better, the smallest version the URL fits.

    Level Q tolerates ~25 % damage (stickers, scratches, glare on laminated posters);
    boost_error raises it to H when that costs no extra version.
    """
    return segno.make(url, error="q", micro=False, boost_error=True)


def write_code(
    code: segno.QRCode, path: str | os.PathLike[str], *, scale: int = 10, border: int = QUIET_ZONE
) -> None:
    """Write PNG, SVG or PDF, chosen by the file suffix, keeping the quiet zone."""
    suffix = Path(path).suffix.lower()
    kind = WRITE_KINDS.get(suffix)
    if kind is None:
        raise ValueError(
            f"cannot write a QR code to {os.fspath(path)!r}: unknown suffix {suffix!r}, "
            f"use one of {', '.join(sorted(WRITE_KINDS))}"
        )
    if border < QUIET_ZONE:
        raise ValueError(f"border must be at least {QUIET_ZONE} modules (quiet zone)")
    if scale < 1:
        raise ValueError("scale must be a positive number of pixels per module")
    code.save(os.fspath(path), kind=kind, scale=scale, border=border)

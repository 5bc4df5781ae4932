"""The small picture a case page shows in place of the full photo.

Stored photos are re-encoded JPEGs of up to 2000 px (portal/complaints/photos.py); a page
listing three of them weighs megabytes, about half a minute each on a slow-3G phone. The
preview is made when asked for, from the stored JPEG, with the decoder's own downscaling
(`draft`), so it costs a few milliseconds and nothing more is stored. Pure: Pillow only.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

PREVIEW_LONG_SIDE = 480
PREVIEW_QUALITY = 70


def preview_jpeg(source: Path | bytes, long_side: int = PREVIEW_LONG_SIDE) -> bytes:
    """A JPEG of the stored photo (its path, or its bytes as the photo store gives them),
    its long side at most `long_side` pixels."""
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
        image.draft("RGB", (long_side, long_side))
        small = image.convert("RGB")
        small.thumbnail((long_side, long_side))
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=PREVIEW_QUALITY, optimize=True)
    return out.getvalue()

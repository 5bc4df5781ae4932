"""Photo checks decide by decoding, never by name, and strip metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from portal.complaints.photos import PhotoRejected, process_photo
from tests.helpers import image_bytes

LIMITS = {"max_bytes": 5_000_000, "max_pixels": 10_000_000}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_become_jpeg(fmt):
    photo = process_photo(image_bytes(fmt, size=(30, 20)), **LIMITS)
    assert photo.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"
    assert (photo.width, photo.height) == (30, 20)


def test_transparent_png_is_flattened():
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    photo = process_photo(out.getvalue(), **LIMITS)
    assert Image.open(io.BytesIO(photo.data)).getpixel((5, 5)) == (255, 255, 255)


def test_large_photo_is_scaled_down():
    photo = process_photo(image_bytes("JPEG", size=(4000, 1000)), **LIMITS)
    assert (photo.width, photo.height) == (2048, 512)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GIF89a" + b"\0" * 100, "not-image"),
        (b"hello world", "not-image"),
        (image_bytes("GIF"), "unsupported-format"),
        (image_bytes("BMP"), "unsupported-format"),
        (image_bytes("JPEG")[:40], "corrupt"),
    ],
)
def test_refused(data, reason):
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, **LIMITS)
    assert info.value.reason == reason


def test_size_and_pixel_limits():
    data = image_bytes("PNG", size=(200, 200))
    with pytest.raises(PhotoRejected, match="too-large"):
        process_photo(data, max_bytes=len(data) - 1, max_pixels=10**9)
    with pytest.raises(PhotoRejected, match="too-many-pixels"):
        process_photo(data, max_bytes=10**9, max_pixels=200 * 200 - 1)


def test_exif_orientation_applied_then_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° when displayed
    exif[0x010F] = "Maker"
    photo = process_photo(image_bytes("JPEG", size=(40, 20), exif=exif.tobytes()), **LIMITS)
    assert (photo.width, photo.height) == (20, 40)
    assert b"Maker" not in photo.data

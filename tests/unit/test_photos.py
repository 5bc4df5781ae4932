"""Photo checks decide by decoding, never by name, bound the work, and strip metadata."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from portal.complaints.photos import (
    MAX_SIDE,
    PhotoRejected,
    check_request,
    probe_photo,
    process_photo,
)
from tests import photo_samples as samples
from tests.helpers import image_bytes

LIMITS = {"max_bytes": 5_000_000, "max_pixels": 20_000_000}


def stored_image(photo) -> Image.Image:
    image = Image.open(io.BytesIO(photo.data))
    assert image.format == "JPEG"
    return image


def close(color, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color, expected, strict=True))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_become_jpeg(fmt):
    photo = process_photo(image_bytes(fmt, size=(30, 20)), **LIMITS)
    assert photo.content_type == "image/jpeg"
    stored_image(photo)
    assert (photo.width, photo.height) == (30, 20)
    samples.assert_clean_jpeg(photo.data)


def test_transparent_png_is_flattened():
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    photo = process_photo(out.getvalue(), **LIMITS)
    assert stored_image(photo).getpixel((5, 5)) == (255, 255, 255)


def test_palette_png_with_transparency_is_flattened():
    image = Image.new("P", (10, 10), 0)
    image.putpalette([0, 0, 0, 255, 0, 0])
    data = samples.encode(image, "PNG", transparency=0)
    assert stored_image(process_photo(data, **LIMITS)).getpixel((5, 5)) == (255, 255, 255)


def test_sixteen_bit_grey_png_is_scaled_not_clipped():
    data = samples.encode(Image.new("I;16", (10, 10), 32_768), "PNG")
    grey = stored_image(process_photo(data, **LIMITS)).convert("L").getpixel((5, 5))
    assert 120 <= grey <= 136  # half of white, not clipped to 255


def test_cmyk_jpeg_becomes_rgb():
    data = samples.encode(Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG")
    image = stored_image(process_photo(data, **LIMITS))
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((5, 5))
    assert red > 200 and green < 60 and blue < 60


def test_large_png_is_scaled_down():
    # A whole factor first (cheap), as long as the long side stays within 10% of MAX_SIDE.
    photo = process_photo(image_bytes("PNG", size=(4000, 1000)), **LIMITS)
    assert (photo.width, photo.height) == (2000, 500)
    photo = process_photo(image_bytes("PNG", size=(3000, 1000)), **LIMITS)
    assert (photo.width, photo.height) == (MAX_SIDE, 683)
    photo = process_photo(image_bytes("WEBP", size=(7720, 2000)), max_bytes=10**8, max_pixels=10**8)
    assert (photo.width, photo.height) == (1930, 500)


def test_large_jpeg_is_decoded_already_scaled_down():
    data = image_bytes("JPEG", size=(4000, 3000))
    probe = probe_photo(data, **LIMITS)
    # libjpeg decodes at 1/2: a quarter of the pixels, and no resampling pass afterwards.
    assert probe.decode_pixels == 2000 * 1500
    photo = probe.decode()
    assert (photo.width, photo.height) == (2000, 1500)


def test_small_jpeg_is_decoded_at_full_size():
    probe = probe_photo(image_bytes("JPEG", size=(1600, 1200)), **LIMITS)
    assert probe.decode_pixels == 1600 * 1200


def test_every_metadata_block_is_dropped_and_colour_kept():
    data = samples.jpeg_with_every_metadata()
    for needle in (b"PhoneMaker", b"RumahSaya", samples.COMMENT, b"ICC_PROFILE"):
        assert needle in data  # the sample really carries them
    photo = process_photo(data, **LIMITS)
    samples.assert_clean_jpeg(photo.data)
    image = stored_image(photo)
    assert image.getexif() == {} and "icc_profile" not in image.info
    # Stored as red, meant as blue by its profile: converted to sRGB, then dropped.
    red, _green, blue = image.getpixel((40, 30))
    assert blue > 150 and red < 80, (red, blue)


def test_broken_icc_profile_is_ignored_not_fatal():
    data = samples.encode(Image.new("RGB", (10, 10), samples.RED), "JPEG", icc_profile=b"junk")
    photo = process_photo(data, **LIMITS)
    samples.assert_clean_jpeg(photo.data)
    assert close(stored_image(photo).getpixel((5, 5)), samples.RED)


@pytest.mark.parametrize(("orientation", "size"), [(1, (40, 20)), (3, (40, 20)), (6, (20, 40))])
def test_exif_orientation_applied_then_dropped(orientation, size):
    image = Image.new("RGB", (40, 20), samples.BLUE)
    image.paste(samples.RED, (0, 0, 10, 20))  # the left edge is red
    data = samples.encode(image, "JPEG", exif=samples.exif(orientation=orientation))
    photo = process_photo(data, **LIMITS)
    assert (photo.width, photo.height) == size
    stored = stored_image(photo)
    red_at = {1: (2, 10), 3: (37, 10), 6: (10, 2)}[orientation]  # 6: rotated 90° clockwise
    assert close(stored.getpixel(red_at), samples.RED, 40), stored.getpixel(red_at)
    samples.assert_clean_jpeg(photo.data)


def test_mpo_keeps_the_first_frame_only():
    data = samples.mpo()
    opened = Image.open(io.BytesIO(data))
    assert opened.format == "MPO" and opened.n_frames == 2
    photo = process_photo(data, **LIMITS)
    assert (photo.width, photo.height) == (80, 60)
    assert close(stored_image(photo).getpixel((40, 30)), samples.RED)
    samples.assert_clean_jpeg(photo.data)  # no MPF, no second image after the EOI


def test_ultra_hdr_gain_map_layout_is_accepted():
    data = samples.ultra_hdr()
    assert b"hdrgm" in data and data.count(b"\xff\xd8\xff") == 2
    photo = process_photo(data, **LIMITS)
    assert (photo.width, photo.height) == (80, 60)
    assert close(stored_image(photo).getpixel((40, 30)), samples.RED)
    samples.assert_clean_jpeg(photo.data)


def test_heic_is_converted_to_jpeg():
    data = samples.heic(exif=samples.exif())
    assert data[4:12] == b"ftypheic" and b"PhoneMaker" in data
    probe = probe_photo(data, **LIMITS)
    assert probe.format == "HEIF"
    photo = probe.decode()
    assert (photo.width, photo.height) == (80, 60)
    assert close(stored_image(photo).getpixel((40, 30)), samples.RED, 25)
    samples.assert_clean_jpeg(photo.data)


def test_heic_that_cannot_be_decoded_says_so():
    data = samples.heic()
    with pytest.raises(PhotoRejected) as info:
        process_photo(data[: len(data) // 2], **LIMITS)
    assert info.value.reason == "heif-unreadable"


def test_avif_is_refused_by_name():
    if "AVIF" not in Image.SAVE:
        pytest.fail("this Pillow cannot write AVIF; the AVIF refusal cannot be tested")
    data = samples.encode(Image.new("RGB", (16, 16), samples.RED), "AVIF")
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, **LIMITS)
    assert (info.value.reason, info.value.format) == ("unsupported-format", "AVIF")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not-image"),
        (b"hello world", "not-image"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "not-image"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not-image"),
        # A polyglot: an HTML page that carries a whole JPEG inside it.
        (b"<html><body>" + image_bytes("JPEG") + b"</body></html>", "not-image"),
        (b"%PDF-1.4\n" + image_bytes("JPEG"), "not-image"),
        (b"GIF89a" + b"\0" * 100, "not-image"),  # says GIF, is not one
        (image_bytes("JPEG")[:40], "corrupt"),
        (image_bytes("PNG")[:60], "corrupt"),
        (b"\xff\xd8\xff" + b"\0" * 500, "corrupt"),
        (image_bytes("GIF"), "unsupported-format"),
        (image_bytes("BMP"), "unsupported-format"),
        (image_bytes("TIFF"), "unsupported-format"),
    ],
)
def test_refused(data, reason):
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, **LIMITS)
    assert info.value.reason == reason


def test_truncated_jpeg_is_corrupt():
    data = samples.encode(
        Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48), "JPEG", quality=95
    )
    with pytest.raises(PhotoRejected) as info:
        process_photo(data[: len(data) * 2 // 3], **LIMITS)
    assert info.value.reason == "corrupt"


def test_jpeg_with_trailing_html_is_stored_without_it():
    data = image_bytes("JPEG") + b"<script>alert(document.cookie)</script>"
    photo = process_photo(data, **LIMITS)
    assert b"script" not in photo.data
    samples.assert_clean_jpeg(photo.data)


def test_jpeg_claiming_hundreds_of_scans_is_refused_before_decoding():
    # Each scan starts with FF DA; thousands make libjpeg crawl (a progressive-JPEG CPU bomb).
    data = image_bytes("JPEG") + b"\xff\xda" * 200
    with pytest.raises(PhotoRejected, match="corrupt"):
        probe_photo(data, **LIMITS)


def test_size_and_pixel_limits():
    data = image_bytes("PNG", size=(200, 200))
    with pytest.raises(PhotoRejected, match="too-large"):
        process_photo(data, max_bytes=len(data) - 1, max_pixels=10**9)
    with pytest.raises(PhotoRejected, match="too-many-pixels") as info:
        process_photo(data, max_bytes=10**9, max_pixels=200 * 200 - 1)
    assert (info.value.pixels, info.value.limit) == (40_000, 39_999)


def test_decompression_bomb_refused_from_the_header():
    bomb = samples.png_bomb()
    assert len(bomb) < 200
    with pytest.raises(PhotoRejected, match="too-many-pixels"):
        probe_photo(bomb, **LIMITS)
    # Past Pillow's own bomb limit too (it raises while opening): still our refusal.
    with pytest.raises(PhotoRejected, match="too-many-pixels"):
        probe_photo(bomb, max_bytes=10**9, max_pixels=10**12)


def test_request_budget_refuses_before_any_decoding():
    # Valid headers over pixel data that would not even decode: the budget answers first.
    broken = image_bytes("PNG", size=(100, 100))
    broken = broken[: broken.index(b"IDAT") + 8] + b"\0" * 40
    probes = [probe_photo(broken, **LIMITS) for _ in range(3)]
    with pytest.raises(PhotoRejected) as info:
        check_request(probes, request_pixels=25_000)
    assert info.value.reason == "request-too-many-pixels"
    assert (info.value.pixels, info.value.limit) == (30_000, 25_000)
    check_request(probes[:2], request_pixels=25_000)  # two fit


def test_request_budget_counts_jpegs_at_their_decoded_size():
    big = image_bytes("JPEG", size=(4000, 3000))  # 12 MP, decoded at 3 MP
    probes = [probe_photo(big, max_bytes=10**8, max_pixels=10**8) for _ in range(3)]
    check_request(probes, request_pixels=3 * 2000 * 1500)
    with pytest.raises(PhotoRejected):
        check_request(probes, request_pixels=3 * 2000 * 1500 - 1)


def test_heif_byte_budget():
    data = samples.heic()
    probes = [probe_photo(data, **LIMITS) for _ in range(3)]
    check_request(probes, request_pixels=10**9, request_heif_bytes=3 * len(data))
    with pytest.raises(PhotoRejected) as info:
        check_request(probes, request_pixels=10**9, request_heif_bytes=3 * len(data) - 1)
    assert info.value.reason == "request-heif-too-large"
    # JPEGs do not count against the HEIF bytes.
    jpeg = probe_photo(image_bytes("JPEG"), **LIMITS)
    check_request([jpeg] * 3, request_pixels=10**9, request_heif_bytes=0)


def test_a_probe_decodes_once():
    probe = probe_photo(image_bytes("PNG"), **LIMITS)
    probe.decode()
    with pytest.raises(RuntimeError):
        probe.decode()


SEEDS = {
    "jpeg": samples.jpeg_with_every_metadata(size=(40, 30), orientation=6),
    "mpo": samples.mpo(size=(40, 30)),
    "png": samples.encode(Image.new("RGBA", (40, 30), (1, 2, 3, 4)), "PNG"),
    "webp": samples.encode(Image.new("RGB", (40, 30), samples.RED), "WEBP"),
    "heic": samples.heic(size=(64, 64)),
}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(1, 10**6)),
)
def test_damaged_photos_are_refused_or_stored_clean(seed, edits, cut):
    """Flipped bytes and cut files anywhere: a clean JPEG or a PhotoRejected, nothing else."""
    data = bytearray(SEEDS[seed])
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    try:
        photo = process_photo(bytes(data), **LIMITS)
    except PhotoRejected as exc:
        assert exc.reason in {
            "not-image",
            "corrupt",
            "heif-unreadable",
            "unsupported-format",
            "too-many-pixels",
        }, exc.reason
    else:
        samples.assert_clean_jpeg(photo.data)

"""Poster QR codes: URL form, QR mode/version, and files a real decoder reads back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from qr.payload import ServiceRef, SigningKeys, decode, encode
from qr.render import make_code, qr_url, write_code
from tests.components import zxing

KEYS = SigningKeys.parse("K1:poster-secret-0123456789")
PAYLOAD = encode(ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), KEYS)
BASE = "https://aduan.example.org"


def test_url_is_upper_cased_for_a_bare_host() -> None:
    url = qr_url(BASE, PAYLOAD)
    assert url == f"HTTPS://ADUAN.EXAMPLE.ORG/Q/{PAYLOAD}"
    assert qr_url(BASE + "/", PAYLOAD) == url
    assert qr_url("http://localhost:5000", PAYLOAD) == f"HTTP://LOCALHOST:5000/Q/{PAYLOAD}"


def test_url_keeps_case_when_the_base_has_a_path() -> None:
    assert (
        qr_url("https://pemda.example.go.id/Aduan/", PAYLOAD)
        == f"https://pemda.example.go.id/Aduan/q/{PAYLOAD}"
    )


@pytest.mark.parametrize("base", ["aduan.example.org", "ftp://aduan.example.org", "https://x/?a=1"])
def test_url_rejects_unusable_bases(base: str) -> None:
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        qr_url(base, PAYLOAD)


def test_upper_case_url_uses_alphanumeric_mode_and_a_smaller_version() -> None:
    url = qr_url(BASE, PAYLOAD)
    code = make_code(url)
    lower = make_code(url.lower())
    assert code.mode == "alphanumeric"
    assert code.error in {"Q", "H"}
    assert lower.mode == "byte"
    assert code.version < lower.version
    assert code.is_micro is False


def test_path_base_falls_back_to_byte_mode() -> None:
    code = make_code(qr_url("https://pemda.example.go.id/aduan", PAYLOAD))
    assert code.mode == "byte"
    assert code.error in {"Q", "H"}


def test_png_round_trip_through_zxing(tmp_path: Path) -> None:
    zx = zxing()
    url = qr_url(BASE, PAYLOAD)
    code = make_code(url)
    path = tmp_path / "poster.png"
    write_code(code, path)

    with Image.open(path) as image:
        results = zx.read_barcodes(image)
        size = image.size
    assert len(results) == 1
    assert results[0].text == url  # we encoded the upper-cased URL verbatim
    assert results[0].text.lower() == f"{BASE}/q/{PAYLOAD}".lower()
    # The payload read back from the image still verifies.
    assert decode(results[0].text.rsplit("/", 1)[1], KEYS).service == "pendaftaran"
    # 4-module quiet zone on each side at 10 px/module.
    modules = code.symbol_size(scale=1, border=0)[0]
    assert size == ((modules + 8) * 10, (modules + 8) * 10)


def test_png_quiet_zone_is_blank(tmp_path: Path) -> None:
    path = tmp_path / "poster.png"
    write_code(make_code(qr_url(BASE, PAYLOAD)), path, scale=4)
    with Image.open(path) as image:
        grey = image.convert("L")
        width, height = grey.size
        band = 4 * 4  # 4 modules x 4 px
        strips = [
            grey.crop((0, 0, width, band)),
            grey.crop((0, height - band, width, height)),
            grey.crop((0, 0, band, height)),
            grey.crop((width - band, 0, width, height)),
        ]
        assert all(strip.getextrema() == (255, 255) for strip in strips)
        # ... and the symbol starts right after it (finder pattern corner is dark).
        assert grey.getpixel((band, band)) == 0


def test_lower_case_byte_mode_also_decodes(tmp_path: Path) -> None:
    zx = zxing()
    url = qr_url("https://pemda.example.go.id/aduan", PAYLOAD)
    path = tmp_path / "poster.png"
    write_code(make_code(url), path)
    with Image.open(path) as image:
        assert [r.text for r in zx.read_barcodes(image)] == [url]


def test_svg_and_pdf_by_suffix(tmp_path: Path) -> None:
    code = make_code(qr_url(BASE, PAYLOAD))
    write_code(code, tmp_path / "a.svg")
    write_code(code, tmp_path / "a.PDF")
    assert b"<svg" in (tmp_path / "a.svg").read_bytes()[:200]
    assert (tmp_path / "a.PDF").read_bytes().startswith(b"%PDF")


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    code = make_code(qr_url(BASE, PAYLOAD))
    with pytest.raises(ValueError, match=r"unknown suffix '\.jpg'.*\.pdf, \.png, \.svg"):
        write_code(code, tmp_path / "a.jpg")
    assert not (tmp_path / "a.jpg").exists()


def test_quiet_zone_cannot_be_shrunk(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="quiet zone"):
        write_code(make_code(qr_url(BASE, PAYLOAD)), tmp_path / "a.png", border=1)

"""The citizen journey in a real Chromium on a phone, JavaScript off.

A poster QR is rendered and decoded like a phone camera would, the decoded (upper-case) URL
opens the form, a person fills it in with a photo and sends it, gets the tracking code and
looks the report up again on /lacak. The report must be stored once, in the right region.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.extensions import db
from qr.payload import ServiceRef, encode
from qr.render import make_code, qr_url, write_code
from tests.components import zxing

pytestmark = pytest.mark.browser

PHONE_WIDTH = 360
TRACKING_CODE = re.compile(r"^KSL-[A-Z0-9]{6}$")
UNIT_NAMES = ("RSUD Ulin Banjarmasin", "Poli Umum", "Pendaftaran Pasien")
TITLE = "Antrean pendaftaran sangat lama"
DESCRIPTION = (
    "Saya menunggu tiga jam di loket pendaftaran Poli Umum tanpa kejelasan nomor antrean, "
    "padahal datang sejak pukul tujuh pagi."
)


def _scan_poster(url: str, folder) -> str:
    """Print the poster QR to a PNG and read it back with zxing-cpp, like a phone camera."""
    zxingcpp = zxing()
    png = folder / "poster-qr.png"
    write_code(make_code(url), png)
    with Image.open(png) as image:
        results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, [r.text for r in results]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    assert results[0].text == url
    return results[0].text


def _photo(folder):
    """A small JPEG such as a phone would attach (a 'queue' drawn on grey)."""
    path = folder / "antrean.jpg"
    image = Image.new("RGB", (320, 240), (200, 204, 210))
    draw = ImageDraw.Draw(image)
    for i in range(8):
        draw.rectangle((20 + i * 36, 90, 44 + i * 36, 200), fill=(40 + i * 20, 60, 120))
    image.save(path, format="JPEG", quality=80)
    return path


def _page_width(context, url: str) -> tuple[int, int]:
    """(layout viewport width, document scroll width) of `url`, measured with JS on."""
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.ok, (url, response and response.status)
    page.wait_for_selector("main")
    widths = page.evaluate(
        "() => [window.innerWidth, Math.max(document.documentElement.scrollWidth,"
        " document.body.scrollWidth)]"
    )
    page.close()
    return widths[0], widths[1]


def test_citizen_reports_from_poster_qr_on_phone_without_javascript(
    app, live_server, phone, screenshots, tmp_path
):
    from playwright.sync_api import expect  # after `phone` made sure Playwright is there

    keys = app.config["QR_SIGNING_KEYS"]
    payload = encode(ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), keys)
    poster_url = qr_url(live_server, payload)
    assert poster_url.startswith("HTTP://127.0.0.1:")  # alphanumeric-mode QR
    scanned = _scan_poster(poster_url, tmp_path)

    # --- the form, opened from the scanned (upper-case) URL, JavaScript disabled --------
    context = phone(javascript=False)
    page = context.new_page()
    response = page.goto(scanned)
    assert response is not None and response.status == 200, response and response.status
    assert re.match(r"^http://127\.0\.0\.1:\d+/Q/", page.url), page.url
    form = page.locator("form[enctype='multipart/form-data']")
    form.wait_for()
    for name in UNIT_NAMES:
        expect(page.get_by_text(name).first).to_be_visible()
    screenshots(page, "1-form")

    # --- fill it in like a person and send it ------------------------------------------
    form.locator("input[name='classification'][value='complaint']").check()
    form.locator("[name='title']").fill(TITLE)
    form.locator("[name='description']").fill(DESCRIPTION)
    form.locator("input[name='photos']").set_input_files(_photo(tmp_path))
    form.locator("[name='reporter_name']").fill("Siti Aminah")
    form.locator("[name='reporter_phone']").fill("0812 3456 7890")
    form.locator("input[name='consent']").check()
    assert not form.locator("input[name='anonymous']").is_checked()
    assert not form.locator("input[name='confidential']").is_checked()
    page.get_by_role("button", name="Kirim laporan").click()

    # --- the receipt: tracking code and private link ----------------------------------
    page.wait_for_url(re.compile(r"/lacak/KSL-[A-Z0-9]{6}\?t=[^&]+&baru=1$"))
    page.wait_for_selector("#tracking-code")
    code = page.locator("#tracking-code").inner_text().strip()
    assert TRACKING_CODE.match(code), code
    expect(page.get_by_text("Laporan Anda sudah diterima")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Belum terverifikasi")
    receipt_url = page.url
    screenshots(page, "2-receipt")

    # --- look it up again on /lacak -----------------------------------------------------
    page.goto(f"{live_server}/lacak")
    page.locator("input[name='kode']").fill(code)
    page.get_by_role("button", name="Lacak", exact=True).click()
    page.wait_for_url(re.compile(rf"/lacak/{code}$"))
    expect(page.locator("#status")).to_have_text("Belum terverifikasi")
    expect(page.locator("#tracking-code")).to_have_text(code)
    screenshots(page, "3-track")
    tracking_url = page.url

    # --- nothing scrolls sideways at 360 px (measured in a JS-enabled phone context) ----
    measure = phone(javascript=True)
    for url in (scanned, receipt_url, f"{live_server}/lacak", tracking_url):
        viewport, scroll = _page_width(measure, url)
        assert viewport == PHONE_WIDTH, (url, viewport)  # the viewport meta tag works
        assert scroll <= PHONE_WIDTH, f"{url} scrolls sideways: {scroll}px wide"

    # --- stored exactly once, routed to Kalimantan Selatan, with the photo ------------
    db.session.remove()  # see what the server thread committed
    stored = db.session.execute(select(Complaint)).scalars().all()
    assert [c.tracking_code for c in stored] == [code]
    complaint = stored[0]
    assert complaint.region_id == "kalsel"
    assert complaint.title == TITLE
    assert complaint.reporter_name == "Siti Aminah"
    assert len(complaint.photos) == 1

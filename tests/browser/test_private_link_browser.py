"""Keeping the private link on a 360 px phone: with JavaScript the copy button copies it;
without, there is no button, and the link, the PIN and the QR code (which decodes to the
link) are all there. Code + PIN typed on /lacak opens the same page; the citizen sees
their own photo, date and place."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.components import zxing

pytestmark = pytest.mark.browser

PHONE_WIDTH = 360


@pytest.fixture
def filed(client, h, ulin_payload):
    """A report with a photo, a date and a place, filed through the form."""
    photo = (io.BytesIO(h.image_bytes(size=(320, 240))), "antrean.jpg", "image/jpeg")
    code, token = h.receipt(
        h.post_report(
            client,
            f"/q/{ulin_payload}",
            files=[photo],
            incident_date="2026-01-05",
            location="Loket 3, lantai dasar",
        )
    )
    return code, token


def _decoded_qr(page) -> str:
    """The QR code on the page, read back with zxing-cpp from a screenshot of it."""
    zxingcpp = zxing()
    png = page.locator("svg.qr").screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, [r.text for r in results]
    return results[0].text


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    assert width <= PHONE_WIDTH, width


def test_with_javascript_the_button_copies_the_link(live_server, phone, filed, screenshots):
    from playwright.sync_api import expect

    code, token = filed
    context = phone(javascript=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    link = f"{live_server}/lacak/{code}?t={token}"
    assert page.goto(f"{link}&baru=1").ok
    button = page.locator("#copy-link")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44
    button.click()
    expect(page.locator("#copy-status")).to_have_text("Tersalin")
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    assert _decoded_qr(page) == link
    expect(page.locator("#receipt-note")).to_contain_text("s***@example.org")
    photo = page.locator("#report-photos img")
    expect(photo).to_have_count(1)
    photo.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('#report-photos img').naturalWidth > 0")
    expect(page.locator("#report-location")).to_contain_text("Loket 3, lantai dasar")
    _no_horizontal_overflow(page)
    screenshots(page, "private-link-js")


def test_without_javascript_link_pin_and_qr_are_there(live_server, phone, filed, screenshots):
    from playwright.sync_api import expect

    code, token = filed
    page = phone(javascript=False).new_page()
    link = f"{live_server}/lacak/{code}?t={token}"
    assert page.goto(link).ok
    expect(page.locator("#copy-link")).to_be_hidden()
    expect(page.locator("#private-link")).to_have_text(link)
    pin = page.locator("#private-pin").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", pin)
    assert _decoded_qr(page) == link
    _no_horizontal_overflow(page)
    screenshots(page, "private-link-no-js")

    # Typed by hand on /lacak, in lower case without the hyphen: the same private page.
    page.goto(f"{live_server}/lacak")
    page.fill("#pin-kode", code.lower())
    page.fill("#pin", pin.lower().replace("-", " "))
    page.click("#pin-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/lacak/{code}\?t="))
    assert page.url == link
    _no_horizontal_overflow(page)

    # "Kirim tautan ini ke saya", by e-mail: the page says where it went.
    page.fill("#send-to", "budi@example.org")
    page.click("#form-send-link button[type=submit]")
    expect(page.locator("#link-sent")).to_contain_text("b***@example.org")

    page.goto(f"{live_server}/lacak")
    page.fill("#pin-kode", code)
    page.fill("#pin", "AAA-AAA")
    page.click("#pin-form button[type=submit]")
    expect(page.locator("#pin-error")).to_contain_text("tidak cocok")

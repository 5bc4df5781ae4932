"""The picker on a 360 px phone with JavaScript off: search, then file through "Layanan lain"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.routing.model import OTHER_SERVICE_ID

pytestmark = pytest.mark.browser

PHONE_WIDTH = 360
TITLE = "Petugas parkir meminta uang tambahan"
DESCRIPTION = (
    "Di halaman parkir rumah sakit petugas meminta uang dua kali lipat dari tarif resmi "
    "tanpa karcis, setiap pagi sekitar pukul delapan."
)


def _width(context, url: str) -> tuple[int, int]:
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    widths = page.evaluate(
        "() => [window.innerWidth, Math.max(document.documentElement.scrollWidth,"
        " document.body.scrollWidth)]"
    )
    page.close()
    return widths[0], widths[1]


def test_search_then_file_through_the_other_path_without_javascript(
    app, live_server, phone, screenshots
):
    from playwright.sync_api import expect

    context = phone(javascript=False)
    page = context.new_page()
    page.goto(f"{live_server}/")

    # --- the search on the home page: hits link to the forms -----------------------------
    page.get_by_label("Cari layanan, unit atau instansi").fill("pendaftaran pasien ulin")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.wait_for_url(re.compile(r"/cari\?q=pendaftaran\+pasien\+ulin$"))
    results = page.locator("ul.results li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Pendaftaran Pasien")
    expect(results.first).to_contain_text("RSUD Ulin Banjarmasin")
    screenshots(page, "picker-1-search")
    results.first.locator("a").click()
    page.wait_for_url(re.compile(r"/k/[A-Z0-9]{6}$"))
    expect(page.locator(".place")).to_contain_text("Pendaftaran Pasien")

    # --- a search that finds nothing says what to do next --------------------------------
    page.goto(f"{live_server}/cari?q=parkir+liar")
    expect(page.get_by_text("Tidak ada layanan yang cocok")).to_be_visible()
    screenshots(page, "picker-2-no-hits")
    page.get_by_role("link", name="Pilih instansi di Provinsi Kalimantan Selatan").click()

    # --- the manual picker: no empty units, "Layanan lain" at the end ---------------------
    page.get_by_role("link", name="RSUD Ulin Banjarmasin").click()
    page.get_by_role("link", name="Poli Umum").click()
    services = page.locator("main ul.plain li")
    expect(services.last).to_have_text("Layanan saya tidak ada di daftar")
    services.last.locator("a").click()
    page.wait_for_url(re.compile(r"/lain/rsud-ulin$"))
    expect(page.locator(".place")).to_contain_text("Layanan lain (tidak ada di daftar)")
    screenshots(page, "picker-3-other-form")

    form = page.locator("form[enctype='multipart/form-data']")
    form.locator("input[name='classification'][value='complaint']").check()
    form.locator("[name='title']").fill(TITLE)
    form.locator("[name='description']").fill(DESCRIPTION)
    form.locator("[name='reporter_name']").fill("Siti Aminah")
    form.locator("[name='reporter_phone']").fill("0812 3456 7890")
    form.locator("input[name='consent']").check()
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url(re.compile(r"/lacak/KSL-[A-Z0-9]{6}\?t=[^&]+&baru=1$"))
    code = page.locator("#tracking-code").inner_text().strip()
    screenshots(page, "picker-4-receipt")

    db.session.remove()  # see what the server thread committed
    [stored] = db.session.execute(select(Complaint)).scalars().all()
    assert stored.tracking_code == code
    assert stored.origin_service_id == OTHER_SERVICE_ID and stored.origin_agency_id == "rsud-ulin"

    # --- English names, and nothing scrolls sideways at 360 px ----------------------------
    english = phone(javascript=False)
    page = english.new_page()
    page.goto(f"{live_server}/bahasa/en?next=/pilih/kalsel/rsud-ulin")
    expect(page.get_by_role("link", name="General Outpatient Clinic")).to_be_visible()
    expect(page.get_by_role("link", name="My service is not listed")).to_be_visible()
    expect(page.get_by_text("Ulin Regional Hospital, Banjarmasin").first).to_be_visible()
    screenshots(page, "picker-5-english")

    measure = phone(javascript=True)
    for path in (
        "/",
        "/cari?q=pendaftaran",
        "/cari?q=parkir+liar",
        "/cari?q=" + "x" * 101,
        "/pilih/kalsel",
        "/pilih/kalsel/inspektorat-kalsel",
        "/pilih/kalsel/rsud-ulin/poli-umum",
        "/lain/rsud-ulin",
    ):
        viewport, scroll = _width(measure, live_server + path)
        assert viewport == PHONE_WIDTH, (path, viewport)
        assert scroll <= PHONE_WIDTH, f"{path} scrolls sideways: {scroll}px wide"

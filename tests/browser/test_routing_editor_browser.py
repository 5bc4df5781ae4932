"""The "Aturan Rute" editor in a real Chromium (issue 5).

The regional admin of Kabupaten Hulu Sungai Tengah signs in on a desktop, opens the editor
from the staff menu, changes the Dinas Kesehatan contact address in the YAML box, checks it
(no errors, the impact summary names the contact change) and activates it with a comment.
The app then routes by the new version: a report from a Dinkes HST counter goes to the new
address, and a complaint a citizen files on a phone (JavaScript off) through the short-code
form stores the new version. The Kalimantan Selatan admin cannot open the HST editor (404,
so its existence is not even confirmed) but opens their own.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.services import create_user
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.routing import versions
from portal.routing.active import get_router
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "kata-sandi-uji-123"
HST_ADMIN = dict(email="admin@hst.example.org", role="regional-admin", region="hst")
KALSEL_ADMIN = dict(email="admin@kalsel.example.org", role="regional-admin", region="kalsel")

AGENCY, UNIT, SERVICE = "dinkes-hst", "puskesmas-barabai", "pendaftaran"
OLD_MAIL = "dinkes.hst@example.org"
NEW_MAIL = "pengaduan.dinkes.hst@example.org"
COMMENT = "Alamat surel pengaduan Dinkes HST yang baru"
HST_EDITOR = "/staf/aturan-rute/wilayah/hst"
KALSEL_EDITOR = "/staf/aturan-rute/wilayah/kalsel"
TITLE = "Loket pendaftaran Puskesmas Barabai tutup lebih awal"


def _press(page, button: str, *, expected_status: int = 200):
    """Click one of the editor's submit buttons; the response of the page it lands on."""
    form = page.locator("#routing-editor")
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name=button, exact=True).click()
    response = navigation.value
    assert response is not None and response.status == expected_status, (
        button,
        response and response.status,
        page.content()[:3000],
    )
    return response


def _file_complaint(page, url: str) -> str:
    """Fill in the citizen form like a person (JavaScript off); the tracking code."""
    response = page.goto(url)
    assert response is not None and response.status == 200, response and response.status
    form = page.locator("form[enctype='multipart/form-data']")
    form.locator("input[name='classification'][value='complaint']").check()
    form.locator("[name='title']").fill(TITLE)
    form.locator("[name='description']").fill(
        "Hari Senin loket pendaftaran sudah tutup pukul sepuluh, padahal jadwalnya sampai "
        "pukul dua belas. Banyak warga pulang tanpa dilayani."
    )
    form.locator("[name='reporter_name']").fill("Rahmat Hidayat")
    form.locator("[name='reporter_phone']").fill("0813 5000 1234")
    form.locator("input[name='consent']").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url(re.compile(r"/lacak/HST-[A-Z0-9]{6}\?t=[^&]+&baru=1$"))
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"HST-[A-Z0-9]{6}", code), code
    return code


def test_regional_admin_changes_a_contact_and_new_complaints_follow_it(
    app, live_server, phone, desktop, screenshots
):
    from playwright.sync_api import expect  # after the fixtures made sure Playwright is there

    router = get_router()
    create_user(router, password=PASSWORD, **HST_ADMIN)
    create_user(router, password=PASSWORD, **KALSEL_ADMIN)
    before = router.version
    old_destination = router.route(AGENCY, UNIT, SERVICE)
    assert [c.email for c in old_destination.contacts] == [OLD_MAIL]
    short_code = router.find_service_point(AGENCY, UNIT, SERVICE).short_code

    # --- 1. the HST admin opens their region's editor from the staff menu ----------------
    admin = sign_in(desktop(), live_server, HST_ADMIN["email"], PASSWORD)
    with admin.expect_navigation():
        admin.get_by_role("link", name="Aturan Rute", exact=True).click()
    assert admin.url == f"{live_server}{HST_EDITOR}", admin.url
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        "Aturan Rute \u2014 Kabupaten Hulu Sungai Tengah"
    )
    box = admin.locator("textarea#text")
    part = box.input_value()
    assert part.startswith("id: hst\n"), part[:200]
    assert part.count(f"- email: {OLD_MAIL}") == 1, part
    assert "id: rsud-ulin" not in part  # only this region's part is shown

    # --- 2. edit the contact, check: no errors, the impact names the contact change -------
    box.fill(part.replace(OLD_MAIL, NEW_MAIL))
    _press(admin, "Periksa")
    expect(admin.locator("#issues")).to_have_count(0)
    expect(admin.locator("#editor-error")).to_have_count(0)
    result = admin.locator("#check-result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Hasil pemeriksaan: teks valid")
    impact = admin.locator("#impact li")
    expect(impact.filter(has_text="Kontak berubah:")).to_have_text(
        "Kontak berubah: 1 \u00b7 Dinas Kesehatan Kabupaten Hulu Sungai Tengah: "
        f"{OLD_MAIL} \u2192 {NEW_MAIL}"
    )
    for unchanged in (
        "Titik layanan baru: 0",
        "Titik layanan dihapus: 0",
        "Tujuan laporan berubah: 0",
        "Batas waktu berubah: 0",
        "Tidak ada poster tercetak yang terdampak.",
        "Tidak ada kasus terbuka yang kehilangan unit.",
    ):
        expect(impact.filter(has_text=unchanged)).to_have_count(1)
    diff = admin.locator("#diff")
    expect(diff).to_contain_text(f"-          - email: {OLD_MAIL}")
    expect(diff).to_contain_text(f"+          - email: {NEW_MAIL}")
    expect(box).to_have_value(part.replace(OLD_MAIL, NEW_MAIL))  # the edit stays in the box
    screenshots(admin, "6-routing-editor")

    # --- 3. activate with a comment ------------------------------------------------------
    assert versions.newest().id == 1  # checking stored nothing
    admin.locator("#comment").fill(COMMENT)
    _press(admin, "Aktifkan")
    # Redirected back to the editor (the browser keeps the form's #check-result fragment).
    assert admin.url.split("#")[0] == f"{live_server}{HST_EDITOR}", admin.url
    expect(admin.locator("div.alert[role='status']")).to_have_text("Versi 2 aktif sekarang.")
    expect(admin.locator("p.hint").first).to_contain_text("Versi aktif: 2")
    expect(admin.locator("#check-result")).to_have_count(0)
    assert f"- email: {NEW_MAIL}" in admin.locator("textarea#text").input_value()

    # --- 4. the app routes by the new version -------------------------------------------
    db.session.remove()  # see what the server threads committed
    newest = versions.newest()
    assert (newest.id, newest.parent_id, newest.region_id) == (2, 1, "hst")
    assert newest.comment == COMMENT and newest.author == HST_ADMIN["email"]
    active = get_router()
    assert active.version != before
    destination = active.route(AGENCY, UNIT, SERVICE)
    assert [c.email for c in destination.contacts] == [NEW_MAIL]
    assert destination.version == active.version

    # --- 5. a citizen files a complaint at that counter; it records the new version ------
    citizen = phone(javascript=False).new_page()
    code = _file_complaint(citizen, f"{live_server}/k/{short_code}")
    db.session.remove()
    stored = db.session.execute(select(Complaint).where(Complaint.tracking_code == code))
    complaint = stored.scalar_one()
    assert (complaint.agency_id, complaint.unit_id) == (AGENCY, UNIT)
    assert complaint.title == TITLE
    assert complaint.routing_version == active.version != before

    # --- 6. another region's admin cannot open the HST editor, but opens their own -------
    other = sign_in(desktop(), live_server, KALSEL_ADMIN["email"], PASSWORD)
    response = other.goto(f"{live_server}{HST_EDITOR}")
    assert response is not None and response.status == 404, response and response.status
    html = other.content()
    for hst_text in (NEW_MAIL, OLD_MAIL, "id: dinkes-hst", "Kabupaten Hulu Sungai Tengah"):
        assert hst_text not in html, hst_text
    expect(other.locator("textarea#text")).to_have_count(0)

    other.goto(f"{live_server}/staf/")  # back to the queue, then the menu
    with other.expect_navigation():
        other.get_by_role("link", name="Aturan Rute", exact=True).click()
    assert other.url == f"{live_server}{KALSEL_EDITOR}", other.url
    expect(other.get_by_role("heading", level=1)).to_have_text(
        "Aturan Rute \u2014 Provinsi Kalimantan Selatan"
    )
    own = other.locator("textarea#text").input_value()
    assert own.startswith("id: kalsel\n"), own[:200]
    assert "id: dinkes-hst" not in own and NEW_MAIL not in own

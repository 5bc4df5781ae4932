"""The whole conversation about one report, in a real Chromium.

A citizen reports from a poster on a phone with JavaScript off and keeps the private link.
The regional admin signs in on a desktop, verifies and disposes the case with an internal
note; the unit officer starts it and responds. The citizen reads the response on the public
tracking page (the internal note stays internal), rates it 2 and reopens it; the unit
responds again, the citizen rates 5 and the admin closes the case. Finally two admin tabs
act on the same new case: the stale one gets a 409 page, and the case is verified once.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.services import create_user
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.routing.active import get_router
from qr.payload import ServiceRef, encode
from qr.render import qr_url
from tests.browser.pages import open_action, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "kata-sandi-uji-123"
ADMIN = dict(email="admin@kalsel.example.org", role="regional-admin", region="kalsel")
UNIT = dict(
    email="poli@kalsel.example.org", role="unit-officer", agency="rsud-ulin", unit="poli-umum"
)
TARGET = "rsud-ulin/poli-umum"

INTERNAL_NOTE = "Catatan internal: cek jadwal petugas loket shift pagi."
RESPONSE_1 = "Mulai Senin loket pendaftaran Poli Umum dibuka pukul 07.00 dengan dua petugas."
RESPONSE_2 = "Nomor antrean kini dapat diambil di mesin antrean sejak pukul 06.30."
RATE_2_COMMENT = "Belum ada perubahan, antrean masih panjang."
REOPEN_REASON = "Hari Selasa saya masih menunggu dua jam tanpa nomor antrean."
RATE_5_COMMENT = "Sekarang jauh lebih cepat, terima kasih."

STATUS = {
    "new": "Belum terverifikasi",
    "verified": "Terverifikasi / terdisposisi",
    "in_progress": "Sedang diproses",
    "responded": "Sudah ditanggapi",
    "closed": "Selesai",
}
CONFLICT = re.compile(
    r"sudah diubah orang lain|sekarang berstatus \u201cTerverifikasi / terdisposisi\u201d"
)


def _file_report(page, poster_url: str, title: str) -> tuple[str, str]:
    """Fill in the poster's form like a person; (tracking code, private link)."""
    response = page.goto(poster_url)
    assert response is not None and response.status == 200, response and response.status
    form = page.locator("form[enctype='multipart/form-data']")
    form.locator("input[name='classification'][value='complaint']").check()
    form.locator("[name='title']").fill(title)
    form.locator("[name='description']").fill(
        "Saya menunggu tiga jam di loket pendaftaran Poli Umum tanpa kejelasan nomor antrean."
    )
    form.locator("[name='reporter_name']").fill("Siti Aminah")
    form.locator("[name='reporter_phone']").fill("0812 3456 7890")
    form.locator("input[name='consent']").check()
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url(re.compile(r"/lacak/KSL-[A-Z0-9]{6}\?t=[^&]+&baru=1$"))
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"KSL-[A-Z0-9]{6}", code), code
    return code, page.url


def _open_from_queue(page, code: str) -> None:
    """The case is listed in the signed-in user's queue; open it from there."""
    with page.expect_navigation():
        page.get_by_role("link", name=code, exact=True).click()
    assert page.url.endswith(f"/staf/kasus/{code}"), page.url
    page.locator("#case-status").wait_for()


def _submit(page, form_id: str, button: str, *, expected_status: int = 200):
    """Click a form's submit button; the response of the page it lands on."""
    form = page.locator(f"#{form_id}")
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name=button, exact=True).click()
    response = navigation.value
    assert response is not None and response.status == expected_status, (
        form_id,
        response and response.status,
        page.content()[:3000],
    )
    return response


def _staff_act(page, code: str, action: str, button: str, text: str | None = None) -> None:
    from playwright.sync_api import expect

    open_action(page, action)
    if text is not None:
        page.locator(f"#form-{action} textarea[name='text']").fill(text)
    _submit(page, f"form-{action}", button)
    assert page.url.endswith(f"/staf/kasus/{code}"), page.url  # 303 back to the case
    expect(page.locator("div.ok[role='status']")).to_contain_text("Tersimpan")


def _citizen_act(page, form_id: str, button: str) -> None:
    _submit(page, form_id, button)
    assert re.search(r"/lacak/KSL-[A-Z0-9]{6}\?t=[^&]+$", page.url), page.url
    assert page.locator("div.alert[role='alert']").count() == 0, page.content()[:3000]


def test_staff_and_citizen_converse_about_one_case_in_chromium(
    app, live_server, phone, desktop, screenshots
):
    from playwright.sync_api import expect  # after the fixtures made sure Playwright is there

    router = get_router()
    create_user(router, password=PASSWORD, **ADMIN)
    create_user(router, password=PASSWORD, **UNIT)
    payload = encode(
        ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), app.config["QR_SIGNING_KEYS"]
    )
    poster_url = qr_url(live_server, payload)

    # --- 1. the citizen reports on a phone, JavaScript off, and keeps the private link ---
    citizen = phone(javascript=False).new_page()
    code, private_url = _file_report(citizen, poster_url, "Antrean pendaftaran sangat lama")
    expect(citizen.locator("#status")).to_have_text(STATUS["new"])
    public_url = f"{live_server}/lacak/{code}"
    case_path = f"/staf/kasus/{code}"

    # --- 2. the regional admin verifies and disposes it with an internal note -----------
    admin = sign_in(desktop(), live_server, ADMIN["email"], PASSWORD)
    _open_from_queue(admin, code)
    expect(admin.locator("#case-status")).to_have_text(STATUS["new"])
    admin.locator("#form-verify select[name='target']").select_option(value=TARGET)
    admin.locator("#note-verify").fill(INTERNAL_NOTE)
    _staff_act(admin, code, "verify", "Verifikasi dan disposisi")
    expect(admin.locator("#case-status")).to_have_text(STATUS["verified"])
    expect(admin.locator("ol.timeline")).to_contain_text(INTERNAL_NOTE)  # staff see it

    # --- 3. the unit officer starts it and responds ---------------------------------------
    unit = sign_in(desktop(), live_server, UNIT["email"], PASSWORD)
    _open_from_queue(unit, code)
    expect(unit.locator("#case-status")).to_have_text(STATUS["verified"])
    _staff_act(unit, code, "start", "Mulai proses")
    expect(unit.locator("#case-status")).to_have_text(STATUS["in_progress"])
    _staff_act(unit, code, "respond", "Kirim tanggapan", RESPONSE_1)
    expect(unit.locator("#case-status")).to_have_text(STATUS["responded"])

    # --- 4. the citizen reads the response, rates it 2 and reopens --------------------------
    citizen.goto(public_url)
    expect(citizen.locator("#status")).to_have_text(STATUS["responded"])
    expect(citizen.locator("ol.timeline div.response")).to_have_text([RESPONSE_1])
    assert INTERNAL_NOTE not in citizen.content()
    assert citizen.locator("#form-rate").count() == 0  # acting needs the private link

    citizen.goto(private_url)
    expect(citizen.locator("ol.timeline div.response")).to_have_text([RESPONSE_1])
    assert INTERNAL_NOTE not in citizen.content()
    screenshots(citizen, "4-phone-response")
    citizen.locator("#rating-2").check()
    citizen.locator("#text-rate").fill(RATE_2_COMMENT)
    _citizen_act(citizen, "form-rate", "Beri penilaian atas tanggapan")
    expect(citizen.get_by_text("Tanggapan belum membantu?")).to_be_visible()
    expect(citizen.locator("ol.timeline")).to_contain_text(RATE_2_COMMENT)
    citizen.locator("#text-reopen").fill(REOPEN_REASON)
    _citizen_act(citizen, "form-reopen", "Buka kembali laporan")
    expect(citizen.locator("#status")).to_have_text(STATUS["in_progress"])
    expect(citizen.locator("#form-reopen")).to_have_count(0)

    # --- 5. a second response, a 5, and the admin closes the case --------------------------
    unit.goto(f"{live_server}{case_path}")
    expect(unit.locator("#case-status")).to_have_text(STATUS["in_progress"])
    expect(unit.locator("ol.timeline")).to_contain_text(REOPEN_REASON)
    _staff_act(unit, code, "respond", "Kirim tanggapan", RESPONSE_2)

    citizen.goto(private_url)
    expect(citizen.locator("ol.timeline div.response")).to_have_text([RESPONSE_1, RESPONSE_2])
    # The newest answer stands at the top, before the forms, for a citizen on a small screen.
    expect(citizen.locator(".response-card div.response")).to_have_text(RESPONSE_2)
    citizen.locator("#rating-5").check()
    citizen.locator("#text-rate").fill(RATE_5_COMMENT)
    _citizen_act(citizen, "form-rate", "Beri penilaian atas tanggapan")
    expect(citizen.get_by_text("Tanggapan belum membantu?")).to_have_count(0)

    admin.goto(f"{live_server}{case_path}")
    expect(admin.get_by_text("Penilaian pelapor")).to_be_visible()
    expect(admin.locator("div.card", has_text="Penilaian pelapor")).to_contain_text("5/5")
    _staff_act(admin, code, "close", "Tutup laporan")
    expect(admin.locator("#case-status")).to_have_text(STATUS["closed"])
    screenshots(admin, "5-staff-case")

    citizen.goto(public_url)
    expect(citizen.locator("#status")).to_have_text(STATUS["closed"])
    expect(citizen.locator("ol.timeline div.response")).to_have_text([RESPONSE_1, RESPONSE_2])
    public_html = citizen.content()
    for private_text in (INTERNAL_NOTE, RATE_2_COMMENT, REOPEN_REASON, RATE_5_COMMENT):
        assert private_text not in public_html, private_text  # only the private link shows them
    screenshots(citizen, "4-phone-closed")

    # --- 6. what the server stored ---------------------------------------------------------
    db.session.remove()  # see what the server threads committed
    stored = db.session.execute(select(Complaint).where(Complaint.tracking_code == code))
    complaint = stored.scalar_one()
    assert complaint.status == "closed"
    assert complaint.rating == 5 and complaint.rating_comment == RATE_5_COMMENT
    assert (complaint.agency_id, complaint.unit_id) == ("rsud-ulin", "poli-umum")
    kinds = [e.kind for e in complaint.events]
    assert [k for k in kinds if k != "note"] == [
        "submitted",
        "verify",
        "start",
        "respond",
        "rate",
        "reopen",
        "respond",
        "rate",
        "close",
    ], kinds
    notes = [e for e in complaint.events if e.kind == "note"]
    assert [(n.note, n.public) for n in notes] == [(INTERNAL_NOTE, False)]
    assert [e.note for e in complaint.events if e.kind == "respond"] == [RESPONSE_1, RESPONSE_2]

    # --- 7. two admin tabs on one new case: the stale one gets a 409 page ------------------
    second, _link = _file_report(citizen, poster_url, "Loket pendaftaran tutup lebih awal")
    tab_a = admin.context.new_page()
    tab_b = admin.context.new_page()
    for tab in (tab_a, tab_b):
        tab.goto(f"{live_server}/staf/kasus/{second}")
        expect(tab.locator("#case-status")).to_have_text(STATUS["new"])
    tab_a.locator("#form-verify select[name='target']").select_option(value=TARGET)
    _staff_act(tab_a, second, "verify", "Verifikasi dan disposisi")
    expect(tab_a.locator("#case-status")).to_have_text(STATUS["verified"])

    tab_b.locator("#form-verify select[name='target']").select_option(value=TARGET)
    tab_b.locator("#note-verify").fill("Catatan dari tab lama")
    _submit(tab_b, "form-verify", "Verifikasi dan disposisi", expected_status=409)
    expect(tab_b.locator("div.alert[role='alert']")).to_have_text(CONFLICT)
    expect(tab_b.locator("#case-status")).to_have_text(STATUS["verified"])
    expect(tab_b.locator("#form-verify")).to_have_count(0)  # no longer offered
    screenshots(tab_b, "5-staff-conflict")

    db.session.remove()
    other = db.session.execute(select(Complaint).where(Complaint.tracking_code == second))
    other_case = other.scalar_one()
    assert other_case.status == "verified"
    assert [e.kind for e in other_case.events].count("verify") == 1

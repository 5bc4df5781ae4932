"""A case worked from arrival to closing by the right people only."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.cases.sla import tick
from portal.complaints.models import Complaint, Event
from portal.extensions import db
from tests.functional.case_actions import act, citizen


def load(code: str) -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint).where(Complaint.tracking_code == code)).scalar_one()


def test_full_conversation(client, staff, case, router):
    code, token = case
    assert (
        act(
            staff["admin"], code, "verify", target="rsud-ulin/poli-umum", text="Mohon segera"
        ).status_code
        == 303
    )
    c = load(code)
    assert c.status == "verified" and c.verified_at is not None
    assert c.due_key == c.followup_due
    # The disposition note is internal: staff see it, the citizen does not.
    assert "Mohon segera" in staff["unit"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert "Mohon segera" not in client.get(f"/lacak/{code}?t={token}").get_data(as_text=True)

    assert act(staff["unit"], code, "start").status_code == 303
    answer = "Antrean sudah kami tambah dengan satu loket baru mulai Senin."
    assert act(staff["unit"], code, "respond", text=answer).status_code == 303
    c = load(code)
    assert c.status == "responded" and c.first_response_at is not None
    assert c.feedback_due is not None and c.due_key == c.feedback_due

    public = client.get(f"/lacak/{code}").get_data(as_text=True)
    assert answer in public and "Sudah ditanggapi" in public

    assert citizen(client, code, token, "nilai", rating="4", text="Terima kasih").status_code == 303
    assert load(code).rating == 4
    assert act(staff["admin"], code, "close").status_code == 303
    c = load(code)
    assert c.status == "closed" and c.closed_at is not None
    kinds = [e.kind for e in c.events]
    assert kinds == ["submitted", "verify", "note", "start", "respond", "rate", "close"]
    assert all(e.from_status for e in c.events[1:])


def test_dispose_to_another_agency_of_the_region(staff, case):
    code, _ = case
    assert (
        act(staff["admin"], code, "verify", target="dpmptsp-kalsel/front-office").status_code == 303
    )
    c = load(code)
    assert (c.agency_id, c.unit_id) == ("dpmptsp-kalsel", "front-office")
    # The hospital's unit officer no longer sees it.
    assert staff["unit"].get(f"/staf/kasus/{code}").status_code == 404


def test_dispose_outside_the_region_is_refused(staff, case):
    code, _ = case
    response = act(staff["admin"], code, "verify", target="rsud-damanhuri/igd")
    assert response.status_code == 400
    assert "Pilih instansi dan unit tujuan" in response.get_data(as_text=True)
    assert load(code).status == "new"


@pytest.mark.parametrize(
    "target",
    [
        "rsud-ulin/apotek",  # an old (aliased) unit ID: the form offers live IDs only
        "RSUD-ULIN/POLI-UMUM",  # IDs are exact, as the form writes them
        "rsud-ulin/",
        "/poli-umum",
    ],
)
def test_dispose_takes_only_live_ids_of_the_region(staff, case, target):
    """A disposal stores exactly the pair it names, so it must name a live unit; an alias
    could point into another agency and leave the case with a pair nobody can open."""
    code, _ = case
    response = act(staff["admin"], code, "verify", target=target)
    assert response.status_code == 400
    assert "Pilih instansi dan unit tujuan" in response.get_data(as_text=True)
    assert load(code).status == "new"


def test_role_may_not_act_403(staff, case):
    code, _ = case
    assert act(staff["leader"], code, "verify", target="rsud-ulin/poli-umum").status_code == 403
    assert act(staff["leader"], code, "note", text="x").status_code == 403
    assert act(staff["unit"], code, "verify", target="rsud-ulin/poli-umum").status_code == 403
    assert act(staff["agency"], code, "reject_spam", text="spam").status_code == 403
    assert load(code).status == "new"


def test_forbidden_transition_409(staff, case):
    code, _ = case
    response = act(staff["admin"], code, "close")
    assert response.status_code == 409
    assert "Belum terverifikasi" in response.get_data(as_text=True)
    assert act(staff["admin"], code, "start").status_code == 409
    assert load(code).status == "new"


def test_unknown_action_404(staff, case):
    code, _ = case
    assert act(staff["admin"], code, "delete-everything").status_code == 404


def test_other_scopes_get_404(staff, case):
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    assert staff["hst_admin"].get(f"/staf/kasus/{code}").status_code == 404
    assert act(staff["hst_admin"], code, "note", version=1, text="x").status_code == 404
    assert staff["other_unit"].get(f"/staf/kasus/{code}").status_code == 404


def test_stale_form_is_a_conflict_and_loses_nothing(staff, case):
    code, _ = case
    stale = load(code).version_id
    assert act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum").status_code == 303
    # A second admin still has the old page open and writes a note on it.
    response = act(staff["admin"], code, "note", version=stale, text="Catatan penting saya")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "sudah diubah orang lain" in html
    assert "Catatan penting saya" in html  # the typed text is still there to resend
    assert not any(e.kind == "note" and e.note == "Catatan penting saya" for e in load(code).events)


def test_empty_response_text_is_refused(staff, case):
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    response = act(staff["unit"], code, "respond", text="   ")
    assert response.status_code == 400
    assert "Teks wajib diisi" in response.get_data(as_text=True)
    assert load(code).status == "verified"


def test_reject_spam_and_forward(staff, client, h, ulin_payload):
    spam, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}", title="Promo pinjaman"))
    assert act(staff["admin"], spam, "reject_spam", text="Iklan").status_code == 303
    assert load(spam).status == "archived" and load(spam).reject_reason == "spam"
    other, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    assert (
        act(
            staff["admin"], other, "forward", forward_to="sp4n-lapor", text="Kewenangan kementerian"
        ).status_code
        == 303
    )
    c = load(other)
    assert (c.status, c.forwarded_to, c.reject_reason) == (
        "forwarded",
        "sp4n-lapor",
        "not-authority",
    )
    third, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    assert act(staff["admin"], third, "forward", forward_to="kalsel", text="x").status_code == 400


def test_duplicates_are_offered_and_linked(staff, client, h, ulin_payload):
    first, _ = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", title="Antrean loket lama sekali")
    )
    second, token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", title="Antrean di loket lama sekali")
    )
    page = staff["admin"].get(f"/staf/kasus/{second}").get_data(as_text=True)
    assert "Mungkin duplikat" in page and first in page
    bad = act(staff["admin"], second, "reject_duplicate", duplicate_of="KSL-ZZZZZZ")
    assert bad.status_code == 400
    assert act(staff["admin"], second, "reject_duplicate", duplicate_of=first).status_code == 303
    c = load(second)
    assert c.status == "archived" and c.duplicate_of.tracking_code == first
    told = client.get(f"/lacak/{second}?t={token}").get_data(as_text=True)
    assert f"/lacak/{first}" in told


def test_hold_pauses_the_clock_until_the_citizen_answers(staff, client, case, router):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    before = load(code).followup_due
    assert act(staff["unit"], code, "hold", text="Jam berapa Anda datang?").status_code == 303
    c = load(code)
    assert c.status == "on_hold" and c.due_key == date.max
    # The question is public; the citizen answers through the private link 3 days later.
    assert "Jam berapa Anda datang?" in client.get(f"/lacak/{code}").get_data(as_text=True)
    c.hold_started_at = c.hold_started_at - timedelta(days=7)
    db.session.commit()
    assert citizen(client, code, token, "jawab", text="Sekitar jam 8 pagi").status_code == 303
    c = load(code)
    assert c.status == "verified"
    assert c.followup_due > before and c.due_key == c.followup_due


def test_citizen_actions_need_the_private_link(client, staff, case):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "respond", text="Sudah kami perbaiki.")
    response = citizen(client, code, token, "balas", post_token="not-the-token", text="Halo")
    assert response.status_code == 403
    assert "Tautan pribadi diperlukan" in response.get_data(as_text=True)
    assert not any(e.kind == "reply" for e in load(code).events)
    assert citizen(client, code, token, "balas", text="Belum beres").status_code == 303


def test_rating_outside_range(client, staff, case):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "respond", text="Sudah kami perbaiki.")
    for bad in ("0", "6", "-1"):
        response = citizen(client, code, token, "nilai", rating=bad)
        assert response.status_code == 400
        assert "Pilih nilai 1 sampai 5" in response.get_data(as_text=True)
    assert citizen(client, code, token, "nilai", rating="abc").status_code == 400
    assert load(code).rating is None


def test_low_rating_offers_reopen_and_reopen_restarts_follow_up(client, staff, case):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "respond", text="Sudah kami perbaiki.")
    citizen(client, code, token, "nilai", rating="1")
    page = client.get(f"/lacak/{code}?t={token}").get_data(as_text=True)
    assert "Tanggapan belum membantu?" in page
    assert citizen(client, code, token, "buka-kembali", text="Masih antre lama").status_code == 303
    c = load(code)
    assert c.status == "in_progress" and c.feedback_due is None and c.due_key == c.followup_due


def test_reopen_after_the_window_closed(client, staff, case):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "respond", text="Sudah kami perbaiki.")
    c = load(code)
    c.feedback_due = date.today() - timedelta(days=3)
    db.session.commit()
    response = citizen(client, code, token, "buka-kembali", text="Masih antre")
    assert response.status_code == 409
    assert "sudah lewat" in response.get_data(as_text=True)
    assert load(code).status == "responded"


def test_sla_tick_marks_overdue_once_and_closes_expired_feedback(
    client, staff, h, router, ulin_payload
):
    late, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    answered, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    act(staff["admin"], answered, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], answered, "respond", text="Sudah.")
    later = datetime.now().astimezone() + timedelta(days=40)
    first = tick(router, now=later)
    assert (first.overdue, first.auto_closed) == (1, 1)
    assert load(late).sla_state == "overdue"
    assert load(answered).status == "closed"
    second = tick(router, now=later)
    assert (second.overdue, second.due_soon, second.auto_closed) == (0, 0, 0)
    overdue_events = (
        db.session.execute(select(Event).where(Event.kind == "overdue")).scalars().all()
    )
    assert len(overdue_events) == 1


def test_sla_tick_cli(app):
    result = app.test_cli_runner().invoke(args=["sla", "tick"])
    assert result.exit_code == 0 and "overdue: 0" in result.output


def test_photos_only_through_the_scoped_route(staff, client, h, app, ulin_payload):
    import io

    jpeg = h.image_bytes("JPEG")
    code, _ = h.receipt(
        h.post_report(
            client, f"/q/{ulin_payload}", files=[(io.BytesIO(jpeg), "a.jpg", "image/jpeg")]
        )
    )
    photo_id = load(code).photos[0].id
    ok = staff["admin"].get(f"/staf/kasus/{code}/foto/{photo_id}")
    assert ok.status_code == 200 and ok.mimetype == "image/jpeg"
    assert "no-store" in ok.headers["Cache-Control"]
    assert staff["hst_admin"].get(f"/staf/kasus/{code}/foto/{photo_id}").status_code == 404
    assert staff["admin"].get(f"/staf/kasus/{code}/foto/{photo_id + 999}").status_code == 404
    assert client.get(f"/staf/kasus/{code}/foto/{photo_id}").status_code == 302  # not signed in
    # The case page's thumbnail is a preview, under the same scope.
    page = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert f'src="/staf/kasus/{code}/foto/{photo_id}?ukuran=kecil"' in page
    small = staff["admin"].get(f"/staf/kasus/{code}/foto/{photo_id}?ukuran=kecil")
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    hst = staff["hst_admin"].get(f"/staf/kasus/{code}/foto/{photo_id}?ukuran=kecil")
    assert hst.status_code == 404


def test_response_templates(staff, case):
    code, _ = case
    admin = staff["admin"]
    page = admin.get("/staf/templat")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    created = admin.post(
        "/staf/templat",
        data={
            "csrf_token": token,
            "agency_id": "rsud-ulin",
            "title": "Antrean",
            "body": "Terima kasih, kami tambah loket.",
        },
    )
    assert created.status_code == 303
    empty = admin.post(
        "/staf/templat",
        data={"csrf_token": token, "agency_id": "rsud-ulin", "title": "", "body": ""},
    )
    assert empty.status_code == 400
    other = admin.post(
        "/staf/templat",
        data={"csrf_token": token, "agency_id": "rsud-damanhuri", "title": "x", "body": "y"},
    )
    assert other.status_code == 400  # not an agency of this admin's region
    act(admin, code, "verify", target="rsud-ulin/poli-umum")
    case_page = admin.get(f"/staf/kasus/{code}").get_data(as_text=True)
    template_id = int(re.search(r"templat=(\d+)", case_page).group(1))
    prefilled = (
        staff["unit"].get(f"/staf/kasus/{code}?templat={template_id}").get_data(as_text=True)
    )
    assert "Terima kasih, kami tambah loket." in prefilled
    assert staff["hst_admin"].post(
        f"/staf/templat/{template_id}/hapus", data={"csrf_token": token}
    ).status_code in (400, 404)
    assert staff["leader"].get("/staf/templat").status_code == 403


def test_stale_verify_says_someone_else_acted_and_keeps_the_text(staff, case):
    code, _ = case
    stale = load(code).version_id
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    response = act(
        staff["admin"],
        code,
        "verify",
        version=stale,
        target="rsud-ulin/igd",
        text="Catatan dari tab lama",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "sudah diubah orang lain" in html
    assert 'id="kept-text"' in html and "Catatan dari tab lama" in html
    c = load(code)
    assert c.unit_id == "poli-umum" and [e.kind for e in c.events].count("verify") == 1


def test_staff_timeline_shows_every_rating(client, staff, case):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "respond", text="Sudah kami perbaiki.")
    citizen(client, code, token, "nilai", rating="2", text="Kurang")
    citizen(client, code, token, "nilai", rating="4")
    page = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert "2/5 — Kurang" in page and "4/5" in page

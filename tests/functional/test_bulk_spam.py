"""Archiving a spam wave from the queue in one action: scope, roles, CSRF, each case on its
own (the others change, each refusal is listed), and the same events, e-mail and
SP4N-LAPOR! rows as archiving one case at a time."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.complaints.models import Complaint, Event
from portal.extensions import db
from portal.national.models import NationalMirrorItem
from tests.factories import stored_complaint
from tests.functional.case_actions import act
from tests.helpers import hidden_fields

URL = "/staf/antrian/massal"
NOTE = "Iklan pinjaman online"


def _status(code: str) -> str:
    db.session.expire_all()
    return db.session.execute(
        select(Complaint.status).where(Complaint.tracking_code == code)
    ).scalar_one()


def _csrf(client) -> str:
    return hidden_fields(client.get("/staf/antrian").get_data(as_text=True))["csrf_token"]


def _post(client, codes, text=NOTE, csrf=True):
    data = {"kode": list(codes), "text": text, "action": "spam"}
    if csrf:
        data["csrf_token"] = _csrf(client)
    return client.post(URL, data=data)


def _wave(n: int, **kw) -> list[str]:
    return [stored_complaint(title=f"Promo pinjaman {i}", **kw).tracking_code for i in range(n)]


def test_queue_offers_checkboxes_to_admins_and_agency_officers_only(staff):
    codes = _wave(2, agency="rsud-ulin", unit="poli-umum")
    html = staff["admin"].get("/staf/antrian").get_data(as_text=True)
    assert 'id="bulk-actions"' in html and 'value="spam"' in html
    assert all(f'name="kode" value="{c}"' in html for c in codes)
    # an agency officer may only hand cases to an officer: no archive on offer
    html = staff["agency"].get("/staf/antrian").get_data(as_text=True)
    assert 'value="assign"' in html and 'value="spam"' not in html
    for role in ("unit", "leader"):
        html = staff[role].get("/staf/antrian").get_data(as_text=True)
        assert codes[0] in html and 'name="kode"' not in html and "bulk-actions" not in html


def test_archives_every_ticked_case_with_events_and_mirror_rows(staff, client, h, ulin_payload):
    codes = [
        h.receipt(h.post_report(client, f"/q/{ulin_payload}", title=f"Promo {i}"))[0]
        for i in range(3)
    ]
    keep = h.receipt(h.post_report(client, f"/q/{ulin_payload}", title="Antrean lama"))[0]
    mirrored = db.session.scalar(select(func.count()).select_from(NationalMirrorItem))
    response = _post(staff["admin"], codes)
    assert response.status_code == 303
    assert "/staf/antrian" in response.headers["Location"]
    assert [_status(c) for c in codes] == ["archived"] * 3 and _status(keep) == "new"
    for code in codes:
        complaint = db.session.execute(
            select(Complaint).where(Complaint.tracking_code == code)
        ).scalar_one()
        assert complaint.reject_reason == "spam" and complaint.closed_at is not None
        event = complaint.events[-1]
        assert (event.kind, event.note, event.public) == ("reject_spam", NOTE, True)
    kinds = (
        db.session.execute(select(NationalMirrorItem.event_kind).order_by(NationalMirrorItem.id))
        .scalars()
        .all()
    )
    assert db.session.scalar(select(func.count()).select_from(NationalMirrorItem)) == mirrored + 3
    assert kinds[-3:] == ["reject_spam"] * 3
    # the same as one archive at a time: a single archive writes the same rows
    single = h.receipt(h.post_report(client, f"/q/{ulin_payload}", title="Promo lagi"))[0]
    assert act(staff["admin"], single, "reject_spam", text=NOTE).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(NationalMirrorItem)) == mirrored + 5


def test_the_page_says_how_many_were_archived(staff):
    codes = _wave(2, agency="rsud-ulin", unit="poli-umum")
    html = (
        staff["admin"]
        .post(
            URL,
            data={
                "kode": codes,
                "text": NOTE,
                "action": "spam",
                "csrf_token": _csrf(staff["admin"]),
            },
            follow_redirects=True,
        )
        .get_data(as_text=True)
    )
    assert "2 laporan diarsipkan sebagai spam." in html


def test_an_out_of_scope_code_is_refused_and_the_others_archived(staff):
    mine = _wave(2, agency="rsud-ulin", unit="poli-umum")
    theirs = stored_complaint(region="hst", agency="rsud-damanhuri", unit="igd").tracking_code
    response = _post(staff["admin"], [*mine, theirs])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 laporan diarsipkan sebagai spam." in html
    assert "1 laporan tidak diubah:" in html
    assert f"{theirs}: tidak ditemukan di antrean Anda" in html
    assert [_status(c) for c in mine] == ["archived", "archived"] and _status(theirs) == "new"


def test_a_forged_or_garbage_code_is_refused_by_name(staff):
    mine = _wave(1, agency="rsud-ulin", unit="poli-umum")
    response = _post(staff["admin"], [*mine, "KSL-ZZZZZZ", "x\x00y' OR 1=1"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "KSL-ZZZZZZ: tidak ditemukan di antrean Anda" in html
    assert "xy&#39; OR 1=1: tidak ditemukan di antrean Anda" in html
    assert _status(mine[0]) == "archived"


def test_only_forged_codes_change_nothing_and_answer_409(staff):
    response = _post(staff["admin"], ["KSL-ZZZZZZ"])
    assert response.status_code == 409
    assert "Tidak ada laporan yang diubah." in response.get_data(as_text=True)


def test_a_case_that_moved_on_is_refused_and_the_other_archived(staff):
    codes = _wave(2, agency="rsud-ulin", unit="poli-umum")
    assert act(staff["admin"], codes[1], "verify", target="rsud-ulin/poli-umum").status_code == 303
    response = _post(staff["admin"], codes)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"{codes[1]}: berstatus" in html
    assert [_status(c) for c in codes] == ["archived", "verified"]
    # the refused case stays ticked, for another move
    assert re.search(rf'value="{codes[1]}"[^>]*checked', html)


def test_officers_and_leaders_are_refused_403(staff):
    codes = _wave(1, agency="rsud-ulin", unit="poli-umum")
    for role in ("unit", "agency", "leader"):
        assert _post(staff[role], codes).status_code == 403
    assert _status(codes[0]) == "new"


def test_another_regions_admin_cannot_archive_our_cases(staff):
    codes = _wave(1, agency="rsud-ulin", unit="poli-umum")
    response = _post(staff["hst_admin"], codes)
    assert response.status_code == 409  # nothing changed
    assert f"{codes[0]}: tidak ditemukan di antrean Anda" in response.get_data(as_text=True)
    assert _status(codes[0]) == "new"


def test_without_csrf_nothing_changes(staff):
    codes = _wave(2, agency="rsud-ulin", unit="poli-umum")
    response = _post(staff["admin"], codes, csrf=False)
    assert response.status_code == 400
    assert [_status(c) for c in codes] == ["new", "new"]
    events = db.session.scalar(
        select(func.count()).select_from(Event).where(Event.kind == "reject_spam")
    )
    assert events == 0


def test_empty_selection_and_empty_note_are_refused_with_a_message(staff):
    assert "Pilih minimal satu laporan." in _post(staff["admin"], []).get_data(as_text=True)
    codes = _wave(1, agency="rsud-ulin", unit="poli-umum")
    response = _post(staff["admin"], codes, text="  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Tulis alasan pengarsipan" in html
    assert re.search(rf'value="{codes[0]}"[^>]*checked', html)  # the selection is kept
    assert _status(codes[0]) == "new"


def test_signed_out_visitors_are_sent_to_sign_in(client):
    codes = _wave(1, agency="rsud-ulin", unit="poli-umum")
    response = client.post(URL, data={"kode": codes, "text": NOTE})
    assert response.status_code in (302, 400, 401)
    assert _status(codes[0]) == "new"

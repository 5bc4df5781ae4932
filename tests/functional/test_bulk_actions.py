"""The queue's bulk moves beyond spam: dispose to a unit, hand to an officer, archive as
duplicates. Each case on its own: those that may move, move (with their events and
e-mail), and every other one is listed with its reason and left exactly as it was."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.accounts.services import find_by_email
from portal.cases.bulk import MAX_CASES
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.factories import stored_complaint
from tests.functional.case_actions import ACCOUNTS, act
from tests.helpers import hidden_fields

URL = "/staf/antrian/massal"
UNIT = ACCOUNTS["unit"]["email"]
AGENCY = ACCOUNTS["agency"]["email"]
OUT_OF_QUEUE = "tidak ditemukan di antrean Anda"


def _case(code: str) -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()


def _post(client, move: str, codes, **fields):
    token = hidden_fields(client.get("/staf/antrian").get_data(as_text=True))["csrf_token"]
    data = {"csrf_token": token, "action": move, "kode": list(codes), **fields}
    return client.post(URL, data=data)


def _mail_about(code: str) -> list[str]:
    case = _case(code)
    stmt = select(OutboxMessage.template).where(OutboxMessage.complaint_id == case.id)
    return list(db.session.execute(stmt).scalars())


def _refusals(html: str) -> list[str]:
    block = re.search(r'id="bulk-errors">(.*?)</ul>', html, re.S).group(1)
    return re.findall(r"<li>(.*?)</li>", block)


def test_dispose_verifies_new_cases_and_redisposes_verified_ones(staff):
    new = [stored_complaint(status=s.NEW).tracking_code for _ in range(2)]
    verified = stored_complaint(status=s.VERIFIED).tracking_code
    assert act(staff["unit"], verified, "take").status_code == 303
    response = _post(staff["admin"], "dispose", [*new, verified], target="rsud-ulin/igd")
    assert response.status_code == 303
    for code in new:
        case = _case(code)
        assert (case.status, case.unit_id) == (s.VERIFIED, "igd")
        assert case.events[-1].kind == "verify"
        assert "disposed" in _mail_about(code)  # the IGD officer hears of it, as for one case
    case = _case(verified)
    assert (case.status, case.unit_id, case.events[-1].kind) == (s.VERIFIED, "igd", "redispose")
    assert case.assigned_user_id is None  # the Poli Umum officer let go of it
    html = staff["admin"].get(response.headers["Location"]).get_data(as_text=True)
    assert "3 laporan didisposisikan." in html


def test_mixed_permissions_change_the_good_cases_and_list_every_refusal(staff):
    good = [stored_complaint(status=s.NEW, title=f"Baik {n}").tracking_code for n in range(2)]
    other_region = stored_complaint(region="hst", agency="rsud-damanhuri", unit="igd").tracking_code
    closed = stored_complaint(status=s.CLOSED).tracking_code
    forged = "KSL-ZZZZZZ"
    codes = [good[0], other_region, closed, forged, good[1]]
    response = _post(staff["admin"], "dispose", codes, target="rsud-ulin/poli-umum")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 laporan didisposisikan." in html
    refusals = _refusals(html)
    assert refusals[0] == "3 laporan tidak diubah:"
    assert refusals[1:] == [
        f"{other_region}: {OUT_OF_QUEUE}",
        f"{closed}: berstatus \u201cSelesai\u201d",
        f"{forged}: {OUT_OF_QUEUE}",
    ]
    assert [_case(c).status for c in good] == [s.VERIFIED, s.VERIFIED]
    assert _case(other_region).status == s.NEW and _case(other_region).agency_id == "rsud-damanhuri"
    assert _case(closed).status == s.CLOSED and len(_case(closed).events) == 1


def test_dispose_to_a_unit_of_another_region_is_refused_for_each_case(staff):
    codes = [stored_complaint(status=s.NEW).tracking_code for _ in range(2)]
    response = _post(staff["admin"], "dispose", codes, target="rsud-damanhuri/igd")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Tidak ada laporan yang diubah." in html
    for code in codes:
        assert f"{code}: Pilih instansi dan unit tujuan disposisi di daerah ini." in html
        case = _case(code)
        assert (case.status, case.agency_id, case.unit_id) == (s.NEW, "rsud-ulin", "poli-umum")
        assert len(case.events) == 1
        assert "disposed" not in _mail_about(code)  # nothing of the refused move was kept
    # the move, the unit and the selection come back for another try
    assert 'value="dispose" id="bulk-move-dispose" checked' in html
    assert all(re.search(rf'value="{c}"[^>]*checked', html) for c in codes)


def test_assign_hands_the_fitting_cases_to_the_officer_and_refuses_the_rest(staff):
    poli = [stored_complaint(status=s.VERIFIED).tracking_code for _ in range(2)]
    igd = stored_complaint(status=s.VERIFIED, unit="igd").tracking_code
    unit_id = str(find_by_email(UNIT).id)
    response = _post(staff["admin"], "assign", [*poli, igd], assignee=unit_id, text="Segera")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 laporan diserahkan kepada petugas." in html
    assert f"{igd}: Pilih petugas aktif dari unit atau instansi" in html
    for code in poli:
        case = _case(code)
        assert case.assigned_user_id == int(unit_id)
        event = case.events[-1]
        assert (event.kind, event.public, event.note) == ("assign", False, f"{UNIT} — Segera")
    assert _case(igd).assigned_user_id is None and len(_case(igd).events) == 1


def test_an_agency_officer_may_assign_in_bulk_but_not_archive_or_dispose(staff):
    codes = [stored_complaint(status=s.VERIFIED).tracking_code for _ in range(2)]
    agency_id = str(find_by_email(AGENCY).id)
    assert _post(staff["agency"], "assign", codes, assignee=agency_id).status_code == 303
    assert {_case(c).assigned_user_id for c in codes} == {int(agency_id)}
    assert _post(staff["agency"], "spam", codes, text="Iklan").status_code == 403
    assert _post(staff["agency"], "dispose", codes, target="rsud-ulin/igd").status_code == 403
    for move in ("assign", "dispose", "spam", "duplicate"):
        assert _post(staff["unit"], move, codes).status_code == 403
        assert _post(staff["leader"], move, codes).status_code == 403
    assert {_case(c).unit_id for c in codes} == {"poli-umum"}


def test_duplicates_of_one_case_in_scope(staff):
    original = stored_complaint(status=s.VERIFIED, title="Antrean asli").tracking_code
    copies = [stored_complaint(status=s.NEW).tracking_code for _ in range(2)]
    response = _post(staff["admin"], "duplicate", [*copies, original], duplicate_of=original)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 laporan diarsipkan sebagai duplikat." in html
    assert f"{original}: laporan ini adalah laporan aslinya" in html
    for code in copies:
        case = _case(code)
        assert (case.status, case.reject_reason) == (s.ARCHIVED, "duplicate")
        assert case.duplicate_of_id == _case(original).id
        assert (case.events[-1].kind, case.events[-1].note) == ("reject_duplicate", original)
    assert _case(original).status == s.VERIFIED


def test_duplicates_of_a_case_outside_scope_change_nothing(staff):
    theirs = stored_complaint(region="hst", agency="rsud-damanhuri", unit="igd").tracking_code
    copies = [stored_complaint(status=s.NEW).tracking_code for _ in range(2)]
    for named in (theirs, "KSL-ZZZZZZ", "bukan kode", ""):
        response = _post(staff["admin"], "duplicate", copies, duplicate_of=named)
        assert response.status_code == 400, named
        assert "Kode laporan asli tidak ditemukan di antrean Anda." in response.get_data(
            as_text=True
        )
    assert {_case(c).status for c in copies} == {s.NEW}


def test_bad_requests_change_nothing_and_say_why(staff):
    codes = [stored_complaint(status=s.NEW).tracking_code for _ in range(2)]
    cases = {
        "no move": ("", {}, "Pilih tindakan untuk laporan terpilih."),
        "an unknown move": ("delete", {}, "Pilih tindakan untuk laporan terpilih."),
        "no unit": ("dispose", {"target": ""}, "Pilih unit tujuan disposisi."),
        "no officer": ("assign", {"assignee": ""}, "Pilih petugas yang akan menangani."),
        "not an id": ("assign", {"assignee": "1 OR 1=1"}, "Pilih petugas yang akan menangani."),
        "a NUL in the note": ("dispose", {"target": "rsud-ulin/igd", "text": "a\x00b"}, "karakter"),
    }
    for why, (move, fields, message) in cases.items():
        response = _post(staff["admin"], move, codes, **fields)
        assert response.status_code == 400, why
        assert message in response.get_data(as_text=True), why
    too_many = [f"KSL-{n:06d}" for n in range(MAX_CASES + 1)]
    response = _post(staff["admin"], "spam", too_many, text="Iklan")
    assert response.status_code == 400
    assert f"Paling banyak {MAX_CASES} laporan sekaligus." in response.get_data(as_text=True)
    assert {_case(c).status for c in codes} == {s.NEW}
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 2


def test_the_action_bar_offers_units_and_officers_within_reach(staff):
    stored_complaint(status=s.NEW)
    html = staff["admin"].get("/staf/antrian").get_data(as_text=True)
    bar = re.search(r'class="card bulk-actions">.*?</form>', html, re.S).group(0)
    assert 'value="rsud-ulin/igd"' in bar and "rsud-damanhuri" not in bar
    officers = re.search(r'<select name="assignee".*?</select>', bar, re.S).group(0)
    assert UNIT in officers and AGENCY in officers
    assert "admin@" not in officers and "sekda@" not in officers
    html = staff["agency"].get("/staf/antrian").get_data(as_text=True)
    bar = re.search(r'class="card bulk-actions">.*?</form>', html, re.S).group(0)
    assert 'name="target"' not in bar and 'name="assignee"' in bar

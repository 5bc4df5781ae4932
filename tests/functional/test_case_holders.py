"""People who hold cases: taking and assigning one (who may, to whom, from which status),
the holder on the case page, in the queue (its filter and counts) and on the leaders'
overdue list, the holder let go when the case moves to another unit, and the deadline
e-mails reaching the holder first."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.services import create_user, find_by_email, set_active
from portal.cases.sla import tick
from portal.clocks.calendar import calendar_for
from portal.complaints import status as s
from portal.complaints.models import Complaint, Event
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import utcnow
from tests.factories import stored_complaint
from tests.functional.case_actions import ACCOUNTS, PASSWORD, act
from tests.functional.test_notifications import CONTACT, _at, _report
from tests.functional.test_outbox import deliver_all, rows
from tests.functional.test_outbox import smtp as smtp  # the real SMTP server fixture

UNIT = ACCOUNTS["unit"]["email"]  # poli@…: unit officer of RSUD Ulin – Poli Umum
AGENCY = ACCOUNTS["agency"]["email"]  # rsud@…: agency officer of RSUD Ulin
OTHER_UNIT = ACCOUNTS["other_unit"]["email"]  # igd@…: unit officer of RSUD Ulin – IGD
NOBODY = "Belum ada yang menangani"


def _case(code: str) -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()


def _uid(email: str) -> int:
    return find_by_email(email).id


def _verified(**kw) -> str:
    return stored_complaint(status=s.VERIFIED, **kw).tracking_code


def _holder_line(client, code: str) -> str:
    html = client.get(f"/staf/kasus/{code}").get_data(as_text=True)
    return re.search(r'<p id="case-holder">.*?</p>', html, re.S).group(0)


# --- taking a case ---------------------------------------------------------------------------


def test_an_officer_takes_a_case_and_the_timeline_says_so_internally(staff):
    code = _verified()
    assert NOBODY in _holder_line(staff["unit"], code)
    assert "Saya tangani" in staff["unit"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert act(staff["unit"], code, "take").status_code == 303
    case = _case(code)
    assert case.assigned_user_id == _uid(UNIT) and case.assigned_at is not None
    event = case.events[-1]
    assert (event.kind, event.public, event.note) == ("take", False, UNIT)
    assert UNIT in _holder_line(staff["admin"], code)
    # the holder is not offered to take it again; a second try is refused, nothing changes
    assert 'id="form-take"' not in staff["unit"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    response = act(staff["unit"], code, "take")
    assert response.status_code == 400
    assert "Anda sudah menangani laporan ini." in response.get_data(as_text=True)
    assert [e.kind for e in _case(code).events].count("take") == 1


def test_take_outside_scope_404_by_a_leader_403_on_a_closed_case_409(staff):
    code = _verified()
    assert act(staff["other_unit"], code, "take").status_code == 404
    assert act(staff["hst_admin"], code, "take").status_code == 404
    assert act(staff["leader"], code, "take").status_code == 403
    closed = stored_complaint(status=s.CLOSED).tracking_code
    response = act(staff["unit"], closed, "take")
    assert response.status_code == 409 and "berstatus" in response.get_data(as_text=True)
    assert _case(code).assigned_user_id is None and _case(closed).assigned_user_id is None


# --- assigning a case ------------------------------------------------------------------------


def test_admins_and_agency_officers_assign_to_an_officer_of_the_unit(staff):
    code = _verified()
    assert act(staff["admin"], code, "assign", assignee=str(_uid(UNIT))).status_code == 303
    case = _case(code)
    assert case.assigned_user_id == _uid(UNIT)
    event = case.events[-1]
    assert (event.kind, event.public, event.note) == ("assign", False, UNIT)
    note = "Tolong dicek hari ini"
    response = act(staff["agency"], code, "assign", assignee=str(_uid(AGENCY)), text=note)
    assert response.status_code == 303
    case = _case(code)
    assert case.assigned_user_id == _uid(AGENCY)
    assert case.events[-1].note == f"{AGENCY} — {note}"
    assert AGENCY in _holder_line(staff["unit"], code)


def test_the_picker_offers_only_the_units_and_the_agencys_officers(staff, router):
    create_user(router, password=PASSWORD, email="super@example.org", role="super-admin")
    code = _verified()
    html = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    picker = re.search(r'<select name="assignee".*?</select>', html, re.S).group(0)
    assert f">{UNIT}<" in picker and f">{AGENCY}<" in picker
    for outsider in (OTHER_UNIT, "admin@kalsel.example.org", "super@example.org"):
        assert outsider not in picker
    # unit officers may take but not assign: no picker for them
    html = staff["unit"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert 'name="assignee"' not in html and 'id="form-take"' in html


def test_assign_to_anyone_who_may_not_hold_the_case_is_400_and_changes_nothing(staff, router):
    create_user(router, password=PASSWORD, email="super@example.org", role="super-admin")
    create_user(
        router,
        password=PASSWORD,
        email="cuti@kalsel.example.org",
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )
    set_active("cuti@kalsel.example.org", False)
    code = _verified()
    before = len(_case(code).events)
    bad = {
        "another unit's officer": str(_uid(OTHER_UNIT)),
        "a disabled account": str(_uid("cuti@kalsel.example.org")),
        "a super admin": str(_uid("super@example.org")),
        "a regional admin": str(_uid("admin@kalsel.example.org")),
        "another region's admin": str(_uid("admin@hst.example.org")),
        "a leader": str(_uid("sekda@kalsel.example.org")),
        "no such account": "987654321",
        "beyond any row id": "99999999999",
    }
    for why, assignee in bad.items():
        response = act(staff["admin"], code, "assign", assignee=assignee)
        assert response.status_code == 400, why
        html = response.get_data(as_text=True)
        assert "Pilih petugas aktif dari unit atau instansi" in html, why
        case = _case(code)
        assert case.assigned_user_id is None and len(case.events) == before, why
    # not a number, or no choice at all: the form is refused as well, with a message
    for assignee in ("abc", ""):
        response = act(staff["admin"], code, "assign", assignee=assignee)
        assert response.status_code == 400
    assert _case(code).assigned_user_id is None


def test_assign_outside_scope_404_by_unit_officer_or_leader_403_closed_409(staff):
    code = _verified()
    unit = str(_uid(UNIT))
    assert act(staff["hst_admin"], code, "assign", assignee=unit).status_code == 404
    assert act(staff["other_unit"], code, "assign", assignee=unit).status_code == 404
    assert act(staff["leader"], code, "assign", assignee=unit).status_code == 403
    assert act(staff["unit"], code, "assign", assignee=unit).status_code == 403
    closed = stored_complaint(status=s.ARCHIVED).tracking_code
    assert act(staff["admin"], closed, "assign", assignee=unit).status_code == 409
    assert _case(code).assigned_user_id is None and _case(closed).assigned_user_id is None


# --- moving a case lets go of its holder ------------------------------------------------------


def test_redisposal_to_another_unit_lets_go_of_the_units_officer(staff):
    code = _verified()
    assert act(staff["unit"], code, "take").status_code == 303
    response = act(staff["admin"], code, "redispose", target="rsud-ulin/igd")
    assert response.status_code == 303
    case = _case(code)
    assert (case.unit_id, case.assigned_user_id, case.assigned_at) == ("igd", None, None)
    assert NOBODY in _holder_line(staff["other_unit"], code)
    # the officer who held it can no longer open it at all
    assert staff["unit"].get(f"/staf/kasus/{code}").status_code == 404


def test_an_agency_officer_keeps_a_case_moved_within_the_agency(staff):
    code = _verified()
    assert act(staff["agency"], code, "take").status_code == 303
    assert act(staff["admin"], code, "redispose", target="rsud-ulin/igd").status_code == 303
    assert _case(code).assigned_user_id == _uid(AGENCY)  # still an officer of the case


def test_an_admin_who_took_a_new_case_hands_it_over_by_verifying_it(staff):
    code = stored_complaint(status=s.NEW).tracking_code
    assert act(staff["admin"], code, "take").status_code == 303
    assert _case(code).assigned_user_id == _uid("admin@kalsel.example.org")
    assert act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum").status_code == 303
    assert _case(code).assigned_user_id is None


# --- the queue: mine, unassigned, and who holds each row --------------------------------------


def _links(html: str) -> str:
    return re.search(r'id="holder-links">.*?</p>', html, re.S).group(0)


def _count(html: str, label: str) -> int:
    return int(re.search(rf"{label} <span class=\"count\">(\d+)", _links(html)).group(1))


def test_the_queue_filters_mine_and_unassigned_with_counts(staff):
    mine, theirs, free = (_verified(title=f"Antrean {n}") for n in ("satu", "dua", "tiga"))
    closed_mine = stored_complaint(status=s.CLOSED, assigned_user_id=_uid(UNIT)).tracking_code
    hst = stored_complaint(region="hst", agency="rsud-damanhuri", unit="igd").tracking_code
    assert act(staff["unit"], mine, "take").status_code == 303
    assert act(staff["admin"], theirs, "assign", assignee=str(_uid(AGENCY))).status_code == 303

    html = staff["unit"].get("/staf/antrian").get_data(as_text=True)
    assert _count(html, "Saya tangani") == 1 and _count(html, NOBODY) == 1
    own = staff["unit"].get("/staf/antrian?holder=me").get_data(as_text=True)
    assert mine in own and theirs not in own and free not in own
    nobody = staff["unit"].get("/staf/antrian?holder=none").get_data(as_text=True)
    assert free in nobody and mine not in nobody and theirs not in nobody
    assert closed_mine in staff["unit"].get("/staf/antrian?holder=me&status=closed").get_data(
        as_text=True
    )

    html = staff["admin"].get("/staf/antrian?holder=none").get_data(as_text=True)
    assert free in html and hst not in html and mine not in html
    assert _count(html, "Saya tangani") == 0 and _count(html, NOBODY) == 1
    # the rows say who holds each case
    everything = staff["admin"].get("/staf/antrian").get_data(as_text=True)
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{mine}.*?</tr>", everything, re.S).group(0)
    assert UNIT in row
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{free}.*?</tr>", everything, re.S).group(0)
    assert NOBODY in row
    # another region's admin counts none of ours
    html = staff["hst_admin"].get("/staf/antrian").get_data(as_text=True)
    assert _count(html, NOBODY) == 1 and hst in html


def test_the_holder_filter_narrows_a_search_and_a_bad_value_is_ignored(staff):
    mine = _verified(title="Kuitansi hilang")
    free = _verified(title="Kuitansi rusak")
    assert act(staff["unit"], mine, "take").status_code == 303
    html = staff["unit"].get("/staf/antrian?q=kuitansi").get_data(as_text=True)
    assert _count(html, "Saya tangani") == 1 and _count(html, NOBODY) == 1
    html = staff["unit"].get("/staf/antrian?q=kuitansi&holder=none").get_data(as_text=True)
    assert free in html and mine not in html
    response = staff["unit"].get("/staf/antrian?holder=semua-orang")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Penanganan" in html and "tidak valid" in html
    assert mine in html and free in html


# --- the leaders' overdue list ----------------------------------------------------------------


def test_the_overdue_list_names_the_holder_or_says_nobody(staff):
    late = utcnow().date() - timedelta(days=20)
    held = stored_complaint(status=s.VERIFIED, due=late, assigned_user_id=_uid(UNIT))
    free = stored_complaint(status=s.VERIFIED, due=late, title="Tidak ada yang pegang")
    html = staff["leader"].get("/staf/dasbor").get_data(as_text=True)
    overdue = re.search(r'id="terlambat".*?</div>', html, re.S).group(0)
    held_row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{held.tracking_code}.*?</tr>", overdue, re.S)
    free_row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{free.tracking_code}.*?</tr>", overdue, re.S)
    assert f'<span class="holder">{UNIT}</span>' in held_row.group(0)
    assert f'<span class="holder">{NOBODY}</span>' in free_row.group(0)


# --- deadline e-mails: the holder first -------------------------------------------------------


def _queued(template: str) -> list[OutboxMessage]:
    return sorted((r for r in rows() if r.template == template), key=lambda r: r.id)


def _day_before(router, due: date) -> date:
    calendar = calendar_for(router.holidays_for("kalsel"))
    days = (due - timedelta(days=n) for n in range(1, 10))
    return next(day for day in days if calendar.is_working_day(day))


def test_the_holder_is_reminded_first_then_the_units_contact(app, router, staff, smtp):
    complaint = _report(app, router, date(2026, 12, 1))
    code = complaint.tracking_code
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    assert act(staff["unit"], code, "take").status_code == 303
    due = _case(code).followup_due
    tick(router, now=_at(_day_before(router, due)))
    reminders = _queued("reminder")
    # the holder, then the unit's liaison; the other officers are not told of a held case
    assert [r.recipient for r in reminders] == [UNIT, CONTACT]
    tick(router, now=_at(due + timedelta(days=1)))
    escalations = _queued("escalation")
    assert [r.recipient for r in escalations] == [UNIT, CONTACT, "sekda@kalsel.example.org"]
    deliver_all(now=_at(due + timedelta(days=1), hour=2))
    subjects = [m["Subject"] for m in smtp.inbox.to(UNIT) if code in m["Subject"]]
    assert len(subjects) == 3  # disposed to the unit, then the reminder and the escalation
    told = [m["Subject"] for m in smtp.inbox.to(AGENCY) if code in m["Subject"]]
    assert told and all("didisposisikan" in subject for subject in told)  # no reminder


def test_a_holder_who_can_no_longer_open_the_case_is_skipped(app, router, staff):
    complaint = _report(app, router, date(2026, 12, 1))
    code = complaint.tracking_code
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    assert act(staff["unit"], code, "take").status_code == 303
    set_active(UNIT, False)
    due = _case(code).followup_due
    tick(router, now=_at(_day_before(router, due)))
    # as if nobody held it: the unit's contact and the agency's officer, as before
    assert {r.recipient for r in _queued("reminder")} == {CONTACT, AGENCY}


def test_an_unheld_case_is_reminded_as_before(app, router, staff):
    complaint = _report(app, router, date(2026, 12, 1))
    code = complaint.tracking_code
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    tick(router, now=_at(_day_before(router, _case(code).followup_due)))
    assert {r.recipient for r in _queued("reminder")} == {CONTACT, UNIT, AGENCY}
    kinds = {e.kind for e in db.session.execute(select(Event)).scalars()}
    assert "take" not in kinds and "assign" not in kinds

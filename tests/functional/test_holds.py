"""Holds that end: staff resume a held case, the tick reminds the citizen halfway and ends
a hold nobody answered (back to work, or closed as "no answer"), on real holidays."""

from __future__ import annotations

import html as html_mod
import json
import re
from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from portal.cases.sla import tick
from portal.clocks.calendar import calendar_for
from portal.clocks.holds import window_of
from portal.complaints import status as s
from portal.complaints.models import Complaint, Event
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.messaging.texts import render_phone
from portal.notifications.models import OutboxMessage
from portal.notifications.render import render_row
from portal.routing.active import get_router
from portal.routing.model import HOLD_CLOSE, Clocks
from portal.staff.scoping import visible_complaints
from tests.factories import stored_complaint
from tests.functional.case_actions import act

QUESTION = "Di loket nomor berapa Anda dilayani?"
ASKED = datetime(2026, 3, 13, 2, tzinfo=UTC)  # Friday 13 March 2026, 10:00 in Banjarmasin


def load(code: str) -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint).where(Complaint.tracking_code == code)).scalar_one()


def at(day: date) -> datetime:
    """09:00 in Banjarmasin (UTC+8) on that day."""
    return datetime(day.year, day.month, day.day, 1, tzinfo=UTC)


def held_case(clocks: Clocks | None = None, asked: datetime = ASKED, **fields) -> Complaint:
    """A verified complaint the unit asked a question about at `asked`, as `hold` leaves it."""
    submitted = datetime(2026, 3, 10, 2, tzinfo=UTC)
    values = dict(
        status=s.ON_HOLD,
        submitted_at=submitted,
        verified_at=submitted,
        followup_due=date(2026, 4, 8),
        hold_return_status=s.VERIFIED,
        hold_started_at=asked,
        reporter_email="warga@example.org",
        events=[
            Event(kind="submitted", public=True, created_at=submitted),
            Event(kind="hold", public=True, note=QUESTION, created_at=asked),
        ],
    )
    if clocks is not None:
        values["clocks_json"] = json.dumps(asdict(clocks))
    values.update(fields)
    return stored_complaint(**values)


def citizen_mail(template: str, complaint_id: int) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(
        OutboxMessage.template == template, OutboxMessage.complaint_id == complaint_id
    )
    return list(db.session.execute(stmt).scalars())


def events_of(complaint_id: int, kind: str) -> list[Event]:
    stmt = select(Event).where(Event.complaint_id == complaint_id, Event.kind == kind)
    return list(db.session.execute(stmt).scalars())


# --- staff resume -------------------------------------------------------------------------


def test_staff_resume_a_held_case_with_a_note_the_citizen_reads(staff, client, case):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "hold", text=QUESTION)
    page = staff["unit"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert 'id="form-resume"' in page and "ditampilkan kepada pelapor" in page
    assert 'id="hold-window"' in page
    # The citizen sees the same last day to answer as the staff page.
    c = load(code)
    router = get_router()
    last = window_of(
        c.hold_started_at,
        c.clocks_json,
        router.timezone_for(c.region_id),
        calendar_for(router.holidays_for(c.region_id)),
    ).last_day
    waiting = client.get(f"/lacak/{code}?t={token}").get_data(as_text=True)
    shown = waiting.split('id="answer-by"', 1)[1].split("</p>", 1)[0]
    assert format_date(last, "long", locale="id") in shown

    note = "Pelapor sudah menjawab lewat telepon: loket 3."
    assert act(staff["unit"], code, "resume", text=note).status_code == 303
    c = load(code)
    assert c.status == s.VERIFIED and c.due_key == c.followup_due
    assert c.hold_started_at is None and c.hold_return_status is None
    (event,) = events_of(c.id, "resume")
    assert event.public and event.note == note
    assert (event.from_status, event.to_status) == (s.ON_HOLD, s.VERIFIED)
    tracking = client.get(f"/lacak/{code}?t={token}").get_data(as_text=True)
    assert note in tracking and 'id="answer-by"' not in tracking
    # The card on top is the resume note, no longer the question as if it still waited.
    card = tracking.split('class="card response-card"', 1)[1].split("</div>", 1)[0]
    assert note in card and "Penanganan dilanjutkan" in card
    assert QUESTION not in card and "Pertanyaan petugas" not in card
    # Nothing was offered to resume any more; the citizen was told work goes on.
    assert 'id="form-resume"' not in staff["unit"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    (mail,) = citizen_mail("resumed", c.id)
    rendered = render_row(mail)
    assert note in rendered.text and "/lacak/" in rendered.text


def _held_by_the_unit(staff, code):
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "hold", text=QUESTION)
    return load(code).version_id


@pytest.mark.parametrize("who", ["other_unit", "hst_admin"])
def test_resume_outside_scope_is_404_and_changes_nothing(staff, case, who):
    code, _ = case
    version = _held_by_the_unit(staff, code)
    assert act(staff[who], code, "resume", text="Lanjut.").status_code == 404
    c = load(code)
    assert c.status == s.ON_HOLD and c.version_id == version


def test_resume_by_a_leader_is_403(staff, case):
    code, _ = case
    _held_by_the_unit(staff, code)
    assert act(staff["leader"], code, "resume", text="Lanjut.").status_code == 403
    assert load(code).status == s.ON_HOLD


def test_resume_of_a_case_not_on_hold_is_409_and_keeps_the_text(staff, case):
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    response = act(staff["unit"], code, "resume", text="Lanjut tanpa jawaban.")
    assert response.status_code == 409
    assert "Lanjut tanpa jawaban." in response.get_data(as_text=True)
    assert load(code).status == s.VERIFIED and not events_of(load(code).id, "resume")


@pytest.mark.parametrize("text", ["", "   \n "])
def test_resume_without_a_note_is_400_and_the_case_stays_on_hold(staff, case, text):
    code, _ = case
    _held_by_the_unit(staff, code)
    response = act(staff["unit"], code, "resume", text=text)
    assert response.status_code == 400
    assert "Teks wajib diisi" in response.get_data(as_text=True)
    c = load(code)
    assert c.status == s.ON_HOLD and c.hold_started_at is not None


def test_only_the_tick_may_time_a_hold_out(staff, case):
    code, _ = case
    _held_by_the_unit(staff, code)
    assert act(staff["admin"], code, "hold_timeout").status_code == 403
    assert load(code).status == s.ON_HOLD


# --- the tick: reminder and timeout -------------------------------------------------------


def test_reminder_halfway_and_timeout_across_eid_al_fitr(app, router):
    c = held_case()
    case_id, code = c.id, c.tracking_code
    # Halfway through 10 working days from Friday 13 March is Friday 27 March (Nyepi, Eid
    # al-Fitr and its cuti bersama, 18–24 March, do not count); the last day is Monday 6
    # April (Good Friday, 3 April, does not count either).
    assert tick(router, now=at(date(2026, 3, 20))).hold_reminders == 0
    assert tick(router, now=at(date(2026, 3, 26))).hold_reminders == 0
    assert citizen_mail("hold_reminder", case_id) == []

    first = tick(router, now=at(date(2026, 3, 27)))
    again = tick(router, now=at(date(2026, 3, 27)))
    later = tick(router, now=at(date(2026, 4, 6)))
    assert (first.hold_reminders, again.hold_reminders, later.hold_reminders) == (1, 0, 0)
    (mail,) = citizen_mail("hold_reminder", case_id)
    assert json.loads(mail.context_json)["hold_until"] == "2026-04-06"
    rendered = render_row(mail)
    assert (
        QUESTION in rendered.text and "/lacak/" in rendered.text and "2026-04-06" in rendered.text
    )
    (reminder,) = events_of(case_id, "hold_reminder")
    assert not reminder.public and reminder.note == QUESTION
    assert load(code).status == s.ON_HOLD and load(code).hold_reminded_at is not None

    ended = tick(router, now=at(date(2026, 4, 7)))
    assert (ended.holds_resumed, ended.holds_closed) == (1, 0)
    c = load(code)
    assert c.status == s.VERIFIED and c.reject_reason is None
    # The follow-up deadline moves by the working days held: 14 March – 7 April holds 11.
    calendar = calendar_for(router.holidays_for("kalsel"))
    assert c.hold_days == 11
    assert c.followup_due == calendar.add_working_days(date(2026, 4, 8), 11)
    assert c.due_key == c.followup_due and c.hold_reminded_at is None
    (event,) = events_of(case_id, "hold_timeout")
    assert event.public and event.actor_user_id is None and "2026-04-06" in event.note
    assert (event.from_status, event.to_status) == (s.ON_HOLD, s.VERIFIED)
    assert len(citizen_mail("hold_expired", case_id)) == 1

    twice = tick(router, now=at(date(2026, 4, 7)))
    assert (twice.hold_reminders, twice.holds_resumed, twice.holds_closed) == (0, 0, 0)
    assert len(events_of(case_id, "hold_timeout")) == 1
    assert len(citizen_mail("hold_expired", case_id)) == 1
    assert load(code).followup_due == c.followup_due


def test_a_hold_found_only_after_it_ran_out_is_ended_without_a_reminder(app, router):
    c = held_case()
    result = tick(router, now=at(date(2026, 4, 20)))
    assert (result.hold_reminders, result.holds_resumed) == (0, 1)
    assert citizen_mail("hold_reminder", c.id) == []
    assert load(c.tracking_code).status == s.VERIFIED


def test_hold_expiry_close_closes_as_no_answer_and_tells_the_citizen(app, router):
    c = held_case(Clocks(hold=3, hold_expiry=HOLD_CLOSE))
    # 3 working days from Friday 13 March: Mon 16, Tue 17, then Wed 25 March.
    assert tick(router, now=at(date(2026, 3, 25))).holds_closed == 0
    result = tick(router, now=at(date(2026, 3, 26)))
    assert (result.holds_closed, result.holds_resumed) == (1, 0)
    c = load(c.tracking_code)
    assert c.status == s.CLOSED and c.reject_reason == "no-answer"
    assert c.closed_at is not None and c.due_key == date.max
    (event,) = events_of(c.id, "hold_timeout")
    assert event.to_status == s.CLOSED and "tidak ada jawaban" in event.note
    (mail,) = citizen_mail("closed_no_answer", c.id)
    assert "ditutup" in render_row(mail).text
    assert citizen_mail("hold_expired", c.id) == []
    assert tick(router, now=at(date(2026, 3, 27))).holds_closed == 0


def test_a_hold_closed_as_no_answer_is_not_counted_as_resolved(app, router):
    from portal.dashboard.models import MonthlyRecap

    held_case(Clocks(hold=3, hold_expiry=HOLD_CLOSE))
    stored_complaint(  # answered and closed the same month: resolved
        status=s.CLOSED, submitted_at=datetime(2026, 3, 11, 2, tzinfo=UTC), closed_at=ASKED
    )
    tick(router, now=at(date(2026, 3, 26)))  # closes the hold; its change marks March
    received, resolved = db.session.execute(
        select(func.sum(MonthlyRecap.received), func.sum(MonthlyRecap.resolved)).where(
            MonthlyRecap.region_id == "kalsel",
            MonthlyRecap.dimension == "unit",
            MonthlyRecap.month == date(2026, 3, 1),
        )
    ).one()
    assert (received, resolved) == (2, 1)


def test_default_expiry_and_a_case_stored_before_the_hold_keys_resume(app, router):
    old_clocks = {"verification": 3, "information": 5, "aspiration": 5, "complaint": 14}
    c = held_case(clocks_json=json.dumps(old_clocks))
    assert tick(router, now=at(date(2026, 4, 6))).holds_resumed == 0  # default 10 days
    assert tick(router, now=at(date(2026, 4, 7))).holds_resumed == 1
    assert load(c.tracking_code).status == s.VERIFIED


def test_a_hold_answered_before_the_tick_is_left_alone(app, router):
    c = held_case()
    c.status, c.hold_started_at = s.VERIFIED, None  # as the citizen's answer leaves it
    db.session.commit()
    result = tick(router, now=at(date(2026, 4, 20)))
    assert (result.hold_reminders, result.holds_resumed) == (0, 0)
    assert events_of(c.id, "hold_timeout") == []


def test_the_reminder_speaks_the_citizens_language(app, router):
    c = held_case(locale="en")
    tick(router, now=at(date(2026, 3, 27)))
    (mail,) = citizen_mail("hold_reminder", c.id)
    assert mail.locale == "en"
    rendered = render_row(mail)
    assert "still waiting for your answer" in rendered.text and QUESTION in rendered.text
    assert "Reminder" in rendered.subject


def test_the_reminder_goes_by_whatsapp_when_the_citizen_chose_it(app, router):
    c = held_case(reporter_email=None, reporter_msisdn="6281234567890", notify_via="whatsapp")
    tick(router, now=at(date(2026, 3, 27)))
    assert citizen_mail("hold_reminder", c.id) == []
    row = db.session.execute(
        select(PhoneMessage).where(PhoneMessage.complaint_id == c.id)
    ).scalar_one()
    assert (row.medium, row.kind) == ("whatsapp", "hold_reminder")
    text = render_phone(row).text
    assert QUESTION in text and "/lacak/" in text and "2026-04-06" in text


def test_many_held_cases_end_in_batches(app, router, monkeypatch):
    from portal.cases import sla

    monkeypatch.setattr(sla, "BATCH", 3)  # several batches from a handful of cases
    for _ in range(7):
        held_case(commit=False)
    db.session.commit()
    assert tick(router, now=at(date(2026, 4, 7))).holds_resumed == 7
    held = db.session.scalar(
        select(func.count()).select_from(Complaint).where(Complaint.status == s.ON_HOLD)
    )
    assert held == 0
    assert db.session.scalar(select(func.count()).where(Event.kind == "hold_timeout")) == 7


# --- the leaders' dashboard ---------------------------------------------------------------


def _user(email: str):
    from portal.accounts.models import User

    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def test_dashboard_counts_held_cases_their_age_and_how_near_they_are_to_the_end(staff, router):
    from portal.dashboard.holds import held_figures

    held_case()  # 13 March, 10 days: 9 days old on 2 April, past half, last day 6 April
    held_case(asked=datetime(2026, 4, 1, 2, tzinfo=UTC))  # 1 day old, reminded on 9 April
    held_case(  # 25 March, 4 days, closes: last day 31 March, the tick has yet to end it
        Clocks(hold=4, hold_expiry=HOLD_CLOSE), asked=datetime(2026, 3, 25, 2, tzinfo=UTC)
    )
    stored_complaint(status=s.VERIFIED)  # not held: not counted
    calendar = calendar_for(router.holidays_for("kalsel"))
    today = date(2026, 4, 2)

    leader = _user("sekda@kalsel.example.org")
    figures = held_figures(visible_complaints(leader), "kalsel", "Asia/Makassar", today, calendar)
    assert (figures.held, figures.oldest_days) == (3, 9)
    assert (figures.past_half, figures.near_timeout) == (2, 2)
    # Through the scope: another region's admin counts none of them, whatever is asked.
    other = _user("admin@hst.example.org")
    nothing = held_figures(visible_complaints(other), "kalsel", "Asia/Makassar", today, calendar)
    assert (nothing.held, nothing.oldest_days) == (0, None)

    page = staff["leader"].get("/staf/dasbor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="tertunda"' in html and "Menunggu jawaban pelapor (3)" in html
    agency_page = staff["leader"].get("/staf/dasbor/instansi/rsud-ulin").get_data(as_text=True)
    assert "Menunggu jawaban pelapor (3)" in agency_page
    # "Lihat di antrean" on an agency's page lists that agency's held cases, not the region's.
    link = re.search(r'<a href="([^"]*status=on_hold[^"]*)"', agency_page).group(1)
    assert "agency=rsud-ulin" in link
    queue = staff["leader"].get(html_mod.unescape(link))
    chosen = re.search(r'<option[^>]*value="rsud-ulin"[^>]*>', queue.get_data(as_text=True))
    assert queue.status_code == 200 and "selected" in chosen.group(0)

"""The tick's part for holds: remind the citizen halfway, end a hold nobody answered.

Each case on hold carries its own allowance (its clocks, from the routing file in force when
it arrived; `hold`, `hold_expiry`). The tick reads the held cases' few columns, works out on
the region's calendar which ones are due a reminder (halfway, once: hold_reminded_at) or have
run out, and acts on those in batches, each batch in one short transaction with its notices,
as the deadline marks do. Run twice, it changes nothing more: a reminded case is not
reminded again, an ended hold is no longer on hold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.cases import transitions
from portal.cases.services import ActionInput, Actor, apply_action
from portal.clocks.calendar import WorkingCalendar
from portal.clocks.deadlines import zone
from portal.clocks.holds import HoldWindow, clocks_from_json, window_of
from portal.complaints import status as s
from portal.complaints.models import Complaint, Event
from portal.extensions import db
from portal.notifications.hooks import on_hold_reminder
from portal.routing.engine import Router
from portal.routing.model import HOLD_CLOSE

log = logging.getLogger(__name__)

REMIND = "remind"
TIMEOUT = "timeout"


@dataclass
class HoldResult:
    reminded: int = 0
    resumed: int = 0  # ran out: back to work
    closed: int = 0  # ran out: closed as "no answer"


def due_action(window: HoldWindow, reminded_at: datetime | None, today: date) -> str | None:
    """timeout | remind | None for one held case today."""
    if window.expired(today):
        return TIMEOUT
    if reminded_at is None and window.reminder_due(today):
        return REMIND
    return None


def _window(case_id: int, started_at: datetime, clocks_json: str | None, tz: str, calendar):
    """The case's hold window, or None (logged) when its stored clocks cannot be read: one
    damaged row is left for someone to repair, it does not stop every region's tick."""
    try:
        return window_of(started_at, clocks_json, tz, calendar)
    except (ValueError, TypeError) as exc:
        log.warning("hold tick: case %s has unreadable clocks_json (%s); skipped", case_id, exc)
        return None


def _held_before_today(region_id: str, tz: str, today: date):
    """Held cases whose question is older than today (nothing is due on its first day)."""
    midnight = datetime.combine(today, time.min, tzinfo=zone(tz)).astimezone(UTC)
    return (
        Complaint.region_id == region_id,
        Complaint.status == s.ON_HOLD,
        Complaint.hold_started_at.is_not(None),
        Complaint.hold_started_at < midnight,
    )


def _due_ids(region_id: str, tz: str, today: date, calendar) -> list[int]:
    stmt = (
        select(
            Complaint.id,
            Complaint.hold_started_at,
            Complaint.hold_reminded_at,
            Complaint.clocks_json,
        )
        .where(*_held_before_today(region_id, tz, today))
        .order_by(Complaint.id)
    )
    ids = []
    for row in db.session.execute(stmt):
        window = _window(row.id, row.hold_started_at, row.clocks_json, tz, calendar)
        if window is not None and due_action(window, row.hold_reminded_at, today):
            ids.append(row.id)
    db.session.commit()  # end the read before the batches (PostgreSQL holds a snapshot)
    return ids


def end_or_remind_holds(
    router: Router,
    region_id: str,
    tz: str,
    today: date,
    calendar: WorkingCalendar,
    now: datetime,
    batch_size: int,
    retries: int,
) -> HoldResult:
    """Remind and end the region's held cases that are due today, `batch_size` a transaction."""
    result = HoldResult()
    ids = _due_ids(region_id, tz, today, calendar)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        for attempt in range(retries + 1):
            batch = HoldResult()
            try:
                _batch(router, region_id, tz, chunk, today, calendar, now, batch)
                db.session.commit()
                break
            except StaleDataError:  # a person acted on one of them meanwhile: read again
                db.session.rollback()
                if attempt == retries:
                    raise
        result.reminded += batch.reminded
        result.resumed += batch.resumed
        result.closed += batch.closed
    return result


def _batch(router, region_id, tz, ids, today, calendar, now, result: HoldResult) -> None:
    stmt = (
        select(Complaint)
        .where(Complaint.id.in_(ids), *_held_before_today(region_id, tz, today))
        .order_by(Complaint.id)
    )
    complaints = db.session.execute(stmt).scalars().all()
    questions = _questions([c.id for c in complaints])
    for c in complaints:  # read again: one answered since the ids were listed is left alone
        window = _window(c.id, c.hold_started_at, c.clocks_json, tz, calendar)
        action = due_action(window, c.hold_reminded_at, today) if window else None
        if action == REMIND:
            _remind(c, questions.get(c.id), window, now)
            result.reminded += 1
        elif action == TIMEOUT:
            closes = clocks_from_json(c.clocks_json).hold_expiry == HOLD_CLOSE
            apply_action(
                c,
                "hold_timeout",
                Actor(transitions.SYSTEM),
                ActionInput(text=_timeout_note(window, closes)),
                router=router,
                expected_version=None,
                now=now,
            )
            if closes:
                result.closed += 1
            else:
                result.resumed += 1


def _questions(ids: list[int]) -> dict[int, str | None]:
    """The latest question of each case (what the reminder repeats), in one query."""
    if not ids:
        return {}
    stmt = (
        select(Event.complaint_id, Event.note)
        .where(Event.complaint_id.in_(ids), Event.kind == "hold")
        .order_by(Event.id)
    )
    return {complaint_id: note for complaint_id, note in db.session.execute(stmt)}


def _remind(complaint: Complaint, question: str | None, window: HoldWindow, now) -> None:
    complaint.hold_reminded_at = now
    event = Event(
        complaint_id=complaint.id,
        kind="hold_reminder",
        public=False,  # a record for staff; the question itself is already public
        created_at=now,
        from_status=complaint.status,
        to_status=complaint.status,
        note=question,
    )
    db.session.add(event)  # not via complaint.events: that would load every earlier event
    on_hold_reminder(complaint, event, window.last_day)


def _timeout_note(window: HoldWindow, closes: bool) -> str:
    """The timeline's note, in the portal's language: it is stored, as staff notes are,
    and the tick has no reader to translate for."""
    last = window.last_day.isoformat()
    with force_locale("id"):
        if closes:
            return _(
                "Pelapor tidak menjawab sampai %(date)s; laporan ditutup (tidak ada jawaban).",
                date=last,
            )
        return _(
            "Pelapor tidak menjawab sampai %(date)s; penanganan dilanjutkan dan batas waktu "
            "berjalan lagi.",
            date=last,
        )

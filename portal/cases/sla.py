"""`sla tick`: mark cases due soon or overdue and close expired feedback windows.

Idempotent: a case's sla_state only moves forward for the deadline that is running, and
every transition that starts a new deadline resets it, so a second tick changes nothing.
The same tick writes the e-mail that goes with it to the outbox
(portal/notifications/schedule.py): a reminder when a deadline becomes due soon, an
escalation when it passes, and once a working day the leaders' digest; each keyed so that
it is written once, whatever runs the tick. It also reminds citizens halfway through a hold
and ends the holds nobody answered (portal/cases/hold_tick.py).

Cheap and safe to run often: only the cases whose mark moves are read (the due-state rule
in SQL), they are marked in batches of BATCH cases, each with its e-mail, in one short
transaction (a tick killed half-way leaves whole batches, and the next one goes on where
it stopped), and two ticks never run at once (portal/cases/tick_lock.py: the second one
skips).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm.exc import StaleDataError

from portal.cases import transitions
from portal.cases.hold_tick import end_or_remind_holds
from portal.cases.services import ActionInput, Actor, perform
from portal.cases.tick_lock import exclusive_tick
from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import local_date
from portal.clocks.due import NO_DEADLINE, due_state
from portal.complaints import status as s
from portal.complaints.models import Complaint, Event
from portal.dashboard.recap import refresh as recap_refresh
from portal.extensions import db
from portal.notifications import schedule
from portal.routing.active import get_router
from portal.routing.engine import Router
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

RANK = {"ok": 0, "due_soon": 1, "overdue": 2}
BATCH = 200  # cases per transaction: SQLite's write lock is held for one batch's flush only
STALE_RETRIES = 3  # a batch whose case a person changed meanwhile is read again


@dataclass
class TickResult:
    due_soon: int = 0
    overdue: int = 0
    auto_closed: int = 0
    reminders: int = 0
    escalations: int = 0
    digests: int = 0
    hold_reminders: int = 0  # citizens reminded halfway through a hold
    holds_resumed: int = 0  # holds that ran out: back to work
    holds_closed: int = 0  # holds that ran out: closed as "no answer"
    skipped: bool = False  # another tick was running: this one did nothing

    def add(self, other: TickResult) -> None:
        for name in ("due_soon", "overdue", "auto_closed", "reminders", "escalations"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def tick(router: Router, now: datetime | None = None) -> TickResult:
    """One tick, unless another one is running (then `skipped`, and nothing is changed)."""
    with exclusive_tick(db.engine) as mine:
        if not mine:
            return TickResult(skipped=True)
        return _tick(router, now or utcnow())


def _tick(router: Router, now: datetime) -> TickResult:
    result = TickResult()
    for region in router.regions:
        today = local_date(now, region.timezone)
        calendar = calendar_for(router.holidays_for(region.id))
        _close_expired_feedback(router, region.id, today, now, result)
        holds = end_or_remind_holds(
            router, region.id, region.timezone, today, calendar, now, BATCH, STALE_RETRIES
        )
        result.hold_reminders += holds.reminded
        result.holds_resumed += holds.resumed
        result.holds_closed += holds.closed
        ids = _candidates(region.id, today, calendar)
        for start in range(0, len(ids), BATCH):
            result.add(
                _mark_batch(router, region.id, ids[start : start + BATCH], today, calendar, now)
            )
        if calendar.is_working_day(today):
            result.digests += schedule.notify_digests(router, region.id, today, now)
            db.session.commit()
        # Keeps the dashboard's change marks few even when nobody opens a dashboard.
        recap_refresh(region.id, region.timezone)
    return result


def _due(region_id: str, today: date, calendar):
    """The cases whose mark moves forward today, in SQL (what due_state would say): past
    their deadline and not yet overdue, or due by the next working day and still ok."""
    soon = calendar.add_working_days(today, 1)
    return (
        Complaint.region_id == region_id,
        Complaint.status.in_(s.RUNNING),
        Complaint.due_key < NO_DEADLINE,
        Complaint.sla_state != "overdue",
        or_(
            Complaint.due_key < today, and_(Complaint.due_key <= soon, Complaint.sla_state == "ok")
        ),
    )


def _candidates(region_id: str, today: date, calendar) -> list[int]:
    stmt = select(Complaint.id).where(*_due(region_id, today, calendar)).order_by(Complaint.id)
    ids = list(db.session.execute(stmt).scalars())
    db.session.commit()  # end the read before the batches (PostgreSQL holds a snapshot)
    return ids


def _mark_batch(
    router: Router, region_id: str, ids: list[int], today: date, calendar, now: datetime
) -> TickResult:
    """Mark one batch and write its e-mail in one short transaction.

    Everything is read first with autoflush off, so the writes reach the database together
    at the commit: on SQLite the write lock is taken there, for a few milliseconds, and a
    citizen's submission waits at most that long. The cases are read again with the same
    conditions, so one that a person moved on since the ids were listed is left alone; a
    person committing a change to one of them between our read and our commit makes the
    batch start over (the version column tells).
    """
    for attempt in range(STALE_RETRIES + 1):
        batch = TickResult()
        try:
            with db.session.no_autoflush:
                stmt = (
                    select(Complaint)
                    .where(Complaint.id.in_(ids), *_due(region_id, today, calendar))
                    .order_by(Complaint.id)
                )
                complaints = db.session.execute(stmt).scalars().all()
                lookups = schedule.Lookups([c.id for c in complaints])
                for complaint in complaints:
                    _mark(router, complaint, today, calendar, now, batch, lookups)
            db.session.commit()
            return batch
        except StaleDataError:
            db.session.rollback()
            if attempt == STALE_RETRIES:
                raise
    raise AssertionError("unreachable")


def _mark(
    router: Router, complaint: Complaint, today: date, calendar, now, result, lookups
) -> None:
    state = due_state(complaint.due_key, today, calendar)
    if RANK[state] <= RANK[complaint.sla_state]:
        return
    complaint.sla_state = state
    if state == "overdue":
        result.overdue += 1
        db.session.add(  # not via complaint.events: that would load every earlier event
            Event(
                complaint_id=complaint.id,
                kind="overdue",
                public=False,
                created_at=now,
                from_status=complaint.status,
                to_status=complaint.status,
                note=complaint.due_key.isoformat(),
            )
        )
        result.escalations += schedule.notify_escalation(router, complaint, now, lookups)
    else:
        result.due_soon += 1
        result.reminders += schedule.notify_reminder(router, complaint, now, lookups)


def _close_expired_feedback(router, region_id, today, now, result: TickResult) -> None:
    stmt = select(Complaint).where(
        Complaint.region_id == region_id,
        Complaint.status == s.RESPONDED,
        Complaint.feedback_due < today,
    )
    for complaint in db.session.execute(stmt).scalars().all():
        perform(
            complaint,
            "auto_close",
            Actor(transitions.SYSTEM),
            ActionInput(),
            router=router,
            expected_version=None,
            now=now,
        )
        result.auto_closed += 1


def tick_active_routing() -> TickResult:
    """One tick with the routing version in force now (what `outbox work --tick-every`
    runs between delivery rounds). The lock comes first: while the database is down, that
    is what fails, before the routing is asked for the newest version."""
    with exclusive_tick(db.engine) as mine:
        if not mine:
            log.info("sla tick: another tick is running; skipped")
            return TickResult(skipped=True)
        return _tick(get_router(), utcnow())

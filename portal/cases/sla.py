"""`sla tick`: mark cases due soon or overdue and close expired feedback windows.

Idempotent: a case's sla_state only moves forward for the deadline that is running, and
every transition that starts a new deadline resets it, so a second tick changes nothing.
The same tick writes the e-mail that goes with it to the outbox
(portal/notifications/schedule.py): a reminder when a deadline becomes due soon, an
escalation when it passes, and once a working day the leaders' digest; each keyed so that
it is written once, whatever runs the tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.cases import transitions
from portal.cases.services import ActionInput, Actor, perform
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

RANK = {"ok": 0, "due_soon": 1, "overdue": 2}


@dataclass
class TickResult:
    due_soon: int = 0
    overdue: int = 0
    auto_closed: int = 0
    reminders: int = 0
    escalations: int = 0
    digests: int = 0


def tick(router: Router, now: datetime | None = None) -> TickResult:
    now = now or utcnow()
    result = TickResult()
    for region in router.regions:
        today = local_date(now, region.timezone)
        calendar = calendar_for(router.holidays_for(region.id))
        _close_expired_feedback(router, region.id, today, now, result)
        stmt = select(Complaint).where(
            Complaint.region_id == region.id,
            Complaint.status.in_(s.RUNNING),
            Complaint.due_key < NO_DEADLINE,
            Complaint.sla_state != "overdue",
        )
        for complaint in db.session.execute(stmt).scalars():
            state = due_state(complaint.due_key, today, calendar)
            if RANK[state] <= RANK[complaint.sla_state]:
                continue
            complaint.sla_state = state
            if state == "overdue":
                result.overdue += 1
                complaint.events.append(
                    Event(
                        kind="overdue",
                        public=False,
                        created_at=now,
                        from_status=complaint.status,
                        to_status=complaint.status,
                        note=complaint.due_key.isoformat(),
                    )
                )
                result.escalations += schedule.notify_escalation(router, complaint, now)
            else:
                result.due_soon += 1
                result.reminders += schedule.notify_reminder(router, complaint, now)
        if calendar.is_working_day(today):
            result.digests += schedule.notify_digests(router, region.id, today, now)
        db.session.commit()
        # Keeps the dashboard's change marks few even when nobody opens a dashboard.
        recap_refresh(region.id, region.timezone)
    return result


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
    runs between delivery rounds)."""
    return tick(get_router())

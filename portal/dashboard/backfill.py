"""Speed figures for cases handled before the figures existed (after an upgrade).

Replays each case's timeline: holds and answers give the days spent waiting for the
citizen, the first "respond" and the closing event give the durations. Cases that already
have their figures are left alone, so running it twice changes nothing.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import local_date
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.dashboard.metrics import answered_on_time, working_days_taken
from portal.extensions import db
from portal.routing.engine import Router

BATCH = 500
CLOSING = ("close", "auto_close")


def backfill_region(router: Router, region_id: str) -> int:
    """Fill the missing figures of a region's cases; returns how many changed. Commits."""
    zone = router.timezone_for(region_id)
    calendar = calendar_for(router.holidays_for(region_id))
    stmt = (
        select(Complaint)
        .where(
            Complaint.region_id == region_id,
            or_(
                Complaint.first_response_at.is_not(None) & Complaint.first_response_days.is_(None),
                (Complaint.status == s.CLOSED) & Complaint.completion_days.is_(None),
            ),
        )
        .options(selectinload(Complaint.events))
        .order_by(Complaint.id)
        .execution_options(yield_per=BATCH)
    )
    changed = 0
    for complaint in db.session.execute(stmt).scalars():
        submitted = local_date(complaint.submitted_at, zone)
        hold_days, hold_start = 0, None
        for event in complaint.events:
            day = local_date(event.created_at, zone)
            if event.kind == "hold":
                hold_start = day
            elif event.kind == "answer" and hold_start is not None:
                hold_days += max(0, calendar.working_days_between(hold_start, day))
                hold_start = None
            elif event.kind == "respond" and complaint.first_response_days is None:
                complaint.first_response_days = working_days_taken(
                    submitted, day, hold_days, calendar
                )
                complaint.first_response_on_time = answered_on_time(day, complaint.followup_due)
            elif event.kind in CLOSING and complaint.completion_days is None:
                complaint.completion_days = working_days_taken(submitted, day, hold_days, calendar)
        complaint.hold_days = hold_days
        changed += 1
    db.session.commit()
    return changed

"""The held cases on the leaders' dashboard: how many wait for the citizen, for how long.

Read through the viewer's scope (`visible_complaints`), so a leader counts only the cases
they could open. Ages are working days on the region's calendar; "past half" and "near
timeout" use each case's own hold allowance (its clocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select

from portal.clocks.calendar import WorkingCalendar
from portal.clocks.deadlines import local_date
from portal.clocks.holds import held_working_days, window_of
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db

NEAR_TIMEOUT_DAYS = 2  # working days left on the hold: "near timeout" from here on


@dataclass(frozen=True)
class HeldFigures:
    held: int = 0  # cases on hold now
    oldest_days: int | None = None  # working days the longest-held case has waited
    past_half: int = 0  # reminded or due for the reminder: half the allowance gone
    near_timeout: int = 0  # NEAR_TIMEOUT_DAYS working days or fewer left (or ran out)


def held_figures(
    scope: Select,
    region_id: str,
    tz: str,
    today: date,
    calendar: WorkingCalendar,
    agency_id: str | None = None,
) -> HeldFigures:
    """Held cases of the region (or one agency) that the viewer's scope lets them see."""
    stmt = (
        scope.where(
            Complaint.region_id == region_id,
            Complaint.status == s.ON_HOLD,
            Complaint.hold_started_at.is_not(None),
        )
        .with_only_columns(Complaint.hold_started_at, Complaint.clocks_json)
        .order_by(None)
    )
    if agency_id:
        stmt = stmt.where(Complaint.agency_id == agency_id)
    held = past_half = near = 0
    oldest: int | None = None
    for started_at, clocks_json in db.session.execute(stmt):
        held += 1
        age = held_working_days(local_date(started_at, tz), today, calendar)
        oldest = age if oldest is None else max(oldest, age)
        window = window_of(started_at, clocks_json, tz, calendar)
        if today >= window.remind_on:
            past_half += 1
        if calendar.working_days_between(today, window.last_day) <= NEAR_TIMEOUT_DAYS:
            near += 1
    return HeldFigures(held=held, oldest_days=oldest, past_half=past_half, near_timeout=near)

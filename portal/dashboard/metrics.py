"""Per-case speed figures, in working days on the region's own calendar (pure, no Flask).

A case is measured from the local date it was filed. Days the case waited for the citizen
(on hold) are left out, as the deadlines leave them out: an agency is not slow because the
citizen took a week to answer its question. Same day counts as 0.
"""

from __future__ import annotations

from datetime import date

from portal.clocks.calendar import WorkingCalendar


def working_days_taken(
    submitted: date, finished: date, hold_days: int, calendar: WorkingCalendar
) -> int:
    """Working days from filing to `finished`, without the days spent on hold."""
    return max(0, calendar.working_days_between(submitted, finished) - max(0, hold_days))


def answered_on_time(answered: date, followup_due: date) -> bool:
    """Answered on or before the follow-up deadline (already moved by any hold)."""
    return answered <= followup_due

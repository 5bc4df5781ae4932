"""How long a citizen has to answer a question (a hold), on plain dates (no Flask, no database).

The allowance counts working days of the region's calendar from the local day the question
was asked, that day itself not counting (as every deadline here): with `hold: 10` and the
question asked on a Friday before Eid al-Fitr, the ten days are the office days after it.
The citizen is reminded once when half the allowance has passed; the day after the last
day, the hold runs out and the region's `hold_expiry` applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from portal.clocks.calendar import WorkingCalendar
from portal.clocks.deadlines import local_date
from portal.routing.model import Clocks


@dataclass(frozen=True)
class HoldWindow:
    started: date  # local day the question was asked
    remind_on: date  # halfway: the reminder goes out from this day on
    last_day: date  # the citizen's last day to answer; the hold runs out after it

    def reminder_due(self, today: date) -> bool:
        """Halfway reached and not yet run out (a hold found only after its end is ended,
        not reminded)."""
        return self.remind_on <= today <= self.last_day

    def expired(self, today: date) -> bool:
        return today > self.last_day


def hold_window(started: date, allowance: int, calendar: WorkingCalendar) -> HoldWindow:
    """The reminder day and the last day of a hold of `allowance` working days."""
    if allowance < 1:
        raise ValueError(f"a hold allowance is at least 1 working day, got {allowance}")
    halfway = (allowance + 1) // 2  # 10 -> 5; 1 -> 1 (reminded on its only day)
    return HoldWindow(
        started=started,
        remind_on=calendar.add_working_days(started, halfway),
        last_day=calendar.add_working_days(started, allowance),
    )


def held_working_days(started: date, today: date, calendar: WorkingCalendar) -> int:
    """Working days a case has waited so far (the age the dashboard shows)."""
    return max(0, calendar.working_days_between(started, today))


def clocks_from_json(raw: str | None) -> Clocks:
    """A case's stored clocks; keys it lacks (stored before they existed) read the defaults."""
    return Clocks(**json.loads(raw or "{}"))


def window_of(
    started_at: datetime, clocks_json: str | None, timezone: str, calendar: WorkingCalendar
) -> HoldWindow:
    """The window of a hold that started at `started_at` (UTC) under a case's clocks."""
    return hold_window(
        local_date(started_at, timezone), clocks_from_json(clocks_json).hold, calendar
    )

"""Deadline arithmetic for case transitions, on plain dates (no Flask, no database).

Deadlines are dates in the region's calendar. A hold pauses the clock: when the citizen
answers, the running deadline moves later by the working days the case waited.
"""

from __future__ import annotations

from datetime import date

from portal.clocks.calendar import WorkingCalendar

NO_DEADLINE = date.max


def working_days_left(due: date, today: date, calendar: WorkingCalendar) -> int:
    """Working days from today to the deadline; 0 on the day itself, negative when late."""
    return calendar.working_days_between(today, due)


def resume_after_hold(
    due: date, hold_started: date, resumed: date, calendar: WorkingCalendar
) -> date:
    """The deadline pushed back by the working days spent waiting for the citizen."""
    paused = max(0, calendar.working_days_between(hold_started, resumed))
    return calendar.add_working_days(due, paused) if paused else due


def due_state(due: date, today: date, calendar: WorkingCalendar) -> str:
    """ok | due_soon (today or the next working day) | overdue (before today)."""
    if due == NO_DEADLINE:
        return "ok"
    if due < today:
        return "overdue"
    if due <= calendar.add_working_days(today, 1):
        return "due_soon"
    return "ok"

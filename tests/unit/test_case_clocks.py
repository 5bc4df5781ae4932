"""Deadline arithmetic across real 2026 holidays and a hold."""

from __future__ import annotations

from datetime import date

from portal.clocks.calendar import WorkingCalendar
from portal.clocks.due import NO_DEADLINE, due_state, resume_after_hold, working_days_left

CAL = WorkingCalendar()


def test_hold_across_eid_al_fitr_2026_moves_the_deadline_by_the_working_days_waited():
    # On hold Friday 13 March, answered Wednesday 25 March 2026. In between, only Monday 16
    # and Tuesday 17 and Wednesday 25 are working days: 18-24 March are Nyepi, Eid al-Fitr,
    # cuti bersama and a weekend. So the case waited 3 working days.
    assert CAL.working_days_between(date(2026, 3, 13), date(2026, 3, 25)) == 3
    # A deadline of Thursday 26 March moves 3 working days later: Fri 27, Mon 30, Tue 31.
    assert resume_after_hold(date(2026, 3, 26), date(2026, 3, 13), date(2026, 3, 25), CAL) == date(
        2026, 3, 31
    )


def test_hold_answered_the_same_day_moves_nothing():
    due = date(2026, 11, 30)
    assert resume_after_hold(due, date(2026, 11, 23), date(2026, 11, 23), CAL) == due


def test_working_days_left_skips_christmas_2026():
    # Wed 23 Dec to Mon 28 Dec: 24 (cuti bersama) and 25 (Christmas) and the weekend are off.
    assert working_days_left(date(2026, 12, 28), date(2026, 12, 23), CAL) == 1
    assert working_days_left(date(2026, 12, 22), date(2026, 12, 23), CAL) == -1
    assert working_days_left(date(2026, 12, 23), date(2026, 12, 23), CAL) == 0


def test_due_state():
    today = date(2026, 11, 20)  # a Friday
    assert due_state(date(2026, 11, 19), today, CAL) == "overdue"
    assert due_state(today, today, CAL) == "due_soon"
    assert due_state(date(2026, 11, 23), today, CAL) == "due_soon"  # next working day: Monday
    assert due_state(date(2026, 11, 24), today, CAL) == "ok"
    assert due_state(NO_DEADLINE, today, CAL) == "ok"

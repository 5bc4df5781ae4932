"""The hold allowance: its halfway reminder and last day across real holidays, the routing
file's `hold` / `hold_expiry` keys (refused with their line when wrong), old cases' clocks."""

from __future__ import annotations

import json
import textwrap
from datetime import date

import pytest

from portal.clocks.calendar import WorkingCalendar
from portal.clocks.holds import clocks_from_json, held_working_days, hold_window
from portal.routing.loader import compile_text
from portal.routing.model import HOLD_CLOSE, HOLD_RESUME, Clocks
from tests.unit.test_routing_errors import BASE, issues_of, line_with

CAL = WorkingCalendar()


def test_a_hold_asked_before_eid_al_fitr_2026_counts_office_days_only():
    # Asked Friday 13 March 2026. Office days after it: Mon 16, Tue 17 (18–24 are Nyepi,
    # Eid al-Fitr, cuti bersama and a weekend), Wed 25, Thu 26, Fri 27 (the 5th: halfway),
    # Mon 30, Tue 31, Wed 1 Apr, Thu 2 Apr (Fri 3 is Good Friday), Mon 6 Apr (the 10th).
    window = hold_window(date(2026, 3, 13), 10, CAL)
    assert window.remind_on == date(2026, 3, 27)
    assert window.last_day == date(2026, 4, 6)
    assert not window.reminder_due(date(2026, 3, 26))
    assert window.reminder_due(date(2026, 3, 27)) and window.reminder_due(date(2026, 4, 6))
    assert not window.expired(date(2026, 4, 6))
    assert window.expired(date(2026, 4, 7))
    assert not window.reminder_due(date(2026, 4, 7))  # ran out: ended, not reminded
    # Counted by weekdays alone the hold would have ended on Friday 27 March.
    assert held_working_days(date(2026, 3, 13), date(2026, 3, 27), CAL) == 5


def test_a_hold_over_christmas_and_the_regional_day_off():
    # Asked Tuesday 22 Dec 2026; 24 (cuti bersama), 25 (Christmas) and a regional day off on
    # Monday 28 December are not counted.
    calendar = WorkingCalendar({date(2026, 12, 28)})
    window = hold_window(date(2026, 12, 22), 4, calendar)
    assert window.remind_on == date(2026, 12, 29)  # 23, 29
    assert window.last_day == date(2026, 12, 31)  # 23, 29, 30, 31


@pytest.mark.parametrize(("allowance", "halfway"), [(1, 1), (2, 1), (3, 2), (10, 5), (11, 6)])
def test_halfway_is_rounded_up_and_a_one_day_hold_is_reminded_on_its_day(allowance, halfway):
    start = date(2026, 11, 2)  # a Monday of a month without holidays
    window = hold_window(start, allowance, CAL)
    assert window.remind_on == CAL.add_working_days(start, halfway)
    assert window.last_day == CAL.add_working_days(start, allowance)
    assert window.remind_on <= window.last_day


def test_a_hold_needs_at_least_one_day():
    with pytest.raises(ValueError, match="at least 1 working day"):
        hold_window(date(2026, 11, 2), 0, CAL)


def test_the_clocks_of_a_case_stored_before_the_hold_keys_read_the_defaults():
    old = json.dumps(
        {
            "verification": 3,
            "information": 5,
            "aspiration": 5,
            "complaint": 14,
            "complaint_supervised": 60,
            "feedback": 10,
        }
    )
    clocks = clocks_from_json(old)
    assert (clocks.hold, clocks.hold_expiry) == (10, HOLD_RESUME)
    assert clocks_from_json(None) == Clocks()


def _with_agency_clocks(*entries: str) -> str:
    lines = "".join(f"          {entry}\n" for entry in entries)
    return BASE.replace(
        "        name: RSUD Ulin Banjarmasin\n",
        f"        name: RSUD Ulin Banjarmasin\n        clocks:\n{lines}",
    )


def test_the_routing_file_sets_the_hold_and_what_happens_after_it():
    router = compile_text(textwrap.dedent(_with_agency_clocks("hold: 5", "hold_expiry: close")))
    clocks = router.route("rsud-ulin", "poli-umum", "pendaftaran").clocks
    assert (clocks.hold, clocks.hold_expiry) == (5, HOLD_CLOSE)
    # Elsewhere (no override): the defaults.
    default = compile_text(textwrap.dedent(BASE)).route("rsud-ulin", "poli-umum", "pendaftaran")
    assert (default.clocks.hold, default.clocks.hold_expiry) == (10, HOLD_RESUME)
    assert default.to_dict()["clocks"]["hold"] == 10


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("hold: 0", "clock 'hold' of agency 'rsud-ulin' must be a whole number of days"),
        ("hold: 400", "must be a whole number of days from 1 to 365, not 400"),
        ("hold: ten", "must be a whole number of days from 1 to 365, not 'ten'"),
        ("hold: 2.5", "must be a whole number of days from 1 to 365, not 2.5"),
        ("hold_expiry: tutup", "'hold_expiry' of agency 'rsud-ulin' must be one of resume, close"),
        ("hold_expiry: 3", "must be one of resume, close (what happens when the citizen"),
        ("hold_expiri: close", "unknown clock 'hold_expiri' in agency 'rsud-ulin'; did you mean"),
    ],
)
def test_a_bad_hold_value_is_refused_with_its_line(entry, message):
    text = _with_agency_clocks("complaint: 14", entry)
    [(line, found)] = issues_of(text)
    assert line == line_with(text, entry)
    assert message in found

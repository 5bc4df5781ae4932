"""Due dates count from the submission day as the region's offices see it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from portal.clocks.calendar import WorkingCalendar
from portal.clocks.deadlines import Deadlines, deadlines_for, local_date
from portal.routing.model import Clocks

CAL = WorkingCalendar()
CLOCKS = Clocks()  # verification 3, complaint 14, supervised 60, information/aspiration 5
WITA = "Asia/Makassar"  # UTC+8, e.g. Kalimantan Selatan


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_late_evening_wita_counts_from_that_local_day() -> None:
    # Mon 7 Sep 2026 23:30 WITA = Mon 15:30 UTC: counts from Monday.
    at = utc(2026, 9, 7, 15, 30)
    assert local_date(at, WITA) == date(2026, 9, 7)
    d = deadlines_for(at, WITA, CLOCKS, "information", False, CAL)
    # Mon + 3 -> Thu 10 Sep; Mon + 5 -> Mon 14 Sep (no holidays that week).
    assert d == Deadlines(verify_due=date(2026, 9, 10), followup_due=date(2026, 9, 14))


def test_early_morning_wita_counts_from_the_local_day_not_utc() -> None:
    # Tue 8 Sep 2026 01:00 WITA = Mon 7 Sep 17:00 UTC: counts from Tuesday.
    at = utc(2026, 9, 7, 17, 0)
    assert at.date() == date(2026, 9, 7)
    assert local_date(at, WITA) == date(2026, 9, 8)
    d = deadlines_for(at, WITA, CLOCKS, "information", False, CAL)
    # Tue + 3 -> Fri 11 Sep; Tue + 5 -> Tue 15 Sep.
    assert d == Deadlines(verify_due=date(2026, 9, 11), followup_due=date(2026, 9, 15))


def test_same_instant_differs_between_wib_and_wit() -> None:
    # 16:30 UTC is 23:30 WIB (Jakarta, Monday) but 01:30 WIT (Jayapura, Tuesday).
    at = utc(2026, 9, 7, 16, 30)
    assert local_date(at, "Asia/Jakarta") == date(2026, 9, 7)
    assert local_date(at, "Asia/Jayapura") == date(2026, 9, 8)


def test_non_utc_aware_input_is_converted() -> None:
    at = datetime(2026, 9, 8, 1, 0, tzinfo=timezone(timedelta(hours=8)))
    assert local_date(at, WITA) == date(2026, 9, 8)
    assert local_date(at, "Asia/Jakarta") == date(2026, 9, 8)  # 00:00 WIB


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadlines_for(datetime(2026, 9, 7, 12), WITA, CLOCKS, "complaint", False, CAL)


@pytest.mark.parametrize(
    ("classification", "supervised", "followup"),
    [
        # From Fri 13 Mar 2026 (WITA noon); working days: Mar 16, 17, 25, 26, 27, 30, 31,
        # Apr 1, 2, (Good Friday 3 Apr off), 6, 7, 8, 9, 10 ...
        ("information", False, date(2026, 3, 27)),  # 5th
        ("aspiration", False, date(2026, 3, 27)),  # 5th
        ("complaint", False, date(2026, 4, 10)),  # 14th
        ("aspiration", True, date(2026, 3, 27)),  # supervision only lengthens complaints
    ],
)
def test_followup_clock_depends_on_classification(
    classification: str, supervised: bool, followup: date
) -> None:
    at = utc(2026, 3, 13, 4, 0)
    d = deadlines_for(at, WITA, CLOCKS, classification, supervised, CAL)
    assert d.verify_due == date(2026, 3, 25)  # 3rd working day, after the Lebaran block
    assert d.followup_due == followup


def test_supervised_complaint_uses_the_long_clock() -> None:
    at = utc(2026, 3, 13, 4, 0)
    d = deadlines_for(at, WITA, CLOCKS, "complaint", True, CAL)
    assert d.followup_due == CAL.add_working_days(date(2026, 3, 13), 60)
    assert CAL.working_days_between(date(2026, 3, 13), d.followup_due) == 60


def test_region_clocks_and_regional_holidays_are_used() -> None:
    cal = WorkingCalendar([date(2026, 9, 9)])  # regional day off, Wednesday
    clocks = Clocks(verification=1, information=2)
    d = deadlines_for(utc(2026, 9, 7, 4, 0), WITA, clocks, "information", False, cal)
    # From Mon 7: Tue 8 (1), Wed 9 off, Thu 10 (2).
    assert d == Deadlines(verify_due=date(2026, 9, 8), followup_due=date(2026, 9, 10))


def test_unknown_classification_is_refused() -> None:
    # "verification" is a Clocks attribute, so followup_for would silently accept it.
    with pytest.raises(ValueError, match="unknown classification"):
        deadlines_for(utc(2026, 9, 7, 4, 0), WITA, CLOCKS, "verification", False, CAL)


def test_fixed_offset_fallback_without_tz_data(monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfoNotFoundError

    import portal.clocks.deadlines as mod

    def missing(name: str):
        raise ZoneInfoNotFoundError(name)

    monkeypatch.setattr(mod, "ZoneInfo", missing)
    mod.zone.cache_clear()
    try:
        assert local_date(utc(2026, 9, 7, 17, 0), WITA) == date(2026, 9, 8)
        with pytest.raises(ZoneInfoNotFoundError):
            local_date(utc(2026, 9, 7, 17, 0), "Europe/Nowhere")
    finally:
        mod.zone.cache_clear()

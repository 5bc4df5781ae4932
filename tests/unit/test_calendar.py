"""Working days against real Indonesian dates (holidays + cuti bersama from `holidays`)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.clocks.calendar import WorkingCalendar, calendar_for, national_holidays


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 18),  # Nyepi joint holiday (cuti bersama)
        date(2026, 3, 19),  # Nyepi (Day of Silence)
        date(2026, 3, 20),  # Eid al-Fitr joint holiday
        date(2026, 3, 23),  # Eid al-Fitr joint holiday (Monday)
        date(2026, 3, 24),  # Eid al-Fitr joint holiday (Tuesday)
        date(2026, 8, 17),  # Independence Day (Monday)
        date(2026, 12, 24),  # Christmas joint holiday
        date(2026, 12, 25),  # Christmas
        date(2027, 1, 1),  # New Year's Day
    ],
)
def test_weekday_holidays_are_not_working_days(cal: WorkingCalendar, day: date) -> None:
    assert day.weekday() < 5
    assert not cal.is_working_day(day)
    assert cal.holiday_name(day)


def test_cuti_bersama_comes_from_the_government_category(cal: WorkingCalendar) -> None:
    # Public holidays alone would leave 23-24 March 2026 as working days.
    assert "Joint" in cal.holiday_name(date(2026, 3, 23))
    assert "Christmas" in cal.holiday_name(date(2026, 12, 24))


def test_weekends_and_ordinary_weekdays(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2026, 3, 14))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 15))  # Sunday
    assert cal.holiday_name(date(2026, 3, 14)) is None
    assert cal.is_working_day(date(2026, 3, 16))  # Monday
    assert cal.is_working_day(date(2026, 3, 25))  # Wednesday after Lebaran leave
    assert cal.holiday_name(date(2026, 3, 25)) is None


def test_friday_before_lebaran_plus_three(cal: WorkingCalendar) -> None:
    # Fri 13 Mar 2026 -> Mon 16 (1), Tue 17 (2); Wed 18-Fri 20 holidays, Sat 21/Sun 22
    # weekend, Mon 23/Tue 24 cuti bersama; Wed 25 is working day 3.
    assert cal.add_working_days(date(2026, 3, 13), 3) == date(2026, 3, 25)


def test_start_day_never_counts(cal: WorkingCalendar) -> None:
    # Mon 16 Mar is itself a working day; one working day after it is Tue 17.
    assert cal.add_working_days(date(2026, 3, 16), 1) == date(2026, 3, 17)
    # From inside the holiday block the first working day after is Wed 25.
    assert cal.add_working_days(date(2026, 3, 21), 1) == date(2026, 3, 25)


def test_zero_days_returns_start_even_on_a_holiday(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 3, 21), 0) == date(2026, 3, 21)


def test_negative_days_are_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        cal.add_working_days(date(2026, 3, 13), -1)


def test_independence_day_is_skipped(cal: WorkingCalendar) -> None:
    # Fri 14 Aug 2026 + 1: Mon 17 Aug is Independence Day, so Tue 18.
    assert cal.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)


def test_across_the_year_boundary(cal: WorkingCalendar) -> None:
    # Wed 23 Dec 2026: Thu 24 and Fri 25 off, weekend, Mon 28 (1), Tue 29 (2), Wed 30 (3),
    # Thu 31 (4), Fri 1 Jan 2027 New Year, weekend, Mon 4 Jan (5).
    assert cal.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)
    assert cal.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5


def test_regional_holiday_shifts_a_deadline() -> None:
    national = WorkingCalendar()
    # A regional day off on Tue 17 Mar 2026 (e.g. a provincial anniversary).
    regional = WorkingCalendar([date(2026, 3, 17)])
    assert national.add_working_days(date(2026, 3, 13), 2) == date(2026, 3, 17)
    # Mon 16 (1), Tue 17 regional, then the Nyepi/Lebaran block until Wed 25 (2).
    assert regional.add_working_days(date(2026, 3, 13), 2) == date(2026, 3, 25)
    assert not regional.is_working_day(date(2026, 3, 17))
    assert regional.holiday_name(date(2026, 3, 17)) == "Regional holiday"
    assert national.holiday_name(date(2026, 3, 17)) is None


def test_long_clock_spans_several_holidays(cal: WorkingCalendar) -> None:
    # 60 working days (supervised complaint) from Fri 13 Mar 2026, counted by brute force.
    day, left = date(2026, 3, 13), 60
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in national_holidays(day.year):
            left -= 1
    assert cal.add_working_days(date(2026, 3, 13), 60) == day


def test_working_days_between_counts_the_half_open_interval(cal: WorkingCalendar) -> None:
    # (Fri 13, Wed 25]: Mon 16, Tue 17, Wed 25.
    assert cal.working_days_between(date(2026, 3, 13), date(2026, 3, 25)) == 3
    assert cal.working_days_between(date(2026, 3, 25), date(2026, 3, 13)) == -3
    assert cal.working_days_between(date(2026, 3, 16), date(2026, 3, 16)) == 0
    # Saturday to Sunday contains no working day.
    assert cal.working_days_between(date(2026, 3, 14), date(2026, 3, 15)) == 0


def test_between_inverts_add_for_every_start_day(cal: WorkingCalendar) -> None:
    start = date(2026, 11, 1)
    for offset in range(90):
        day = start + timedelta(days=offset)
        for n in (1, 3, 14):
            due = cal.add_working_days(day, n)
            assert cal.is_working_day(due)
            assert cal.working_days_between(day, due) == n
            assert cal.working_days_between(due, day) == -n


def test_calendar_for_shares_instances() -> None:
    extra = frozenset({date(2026, 6, 2)})
    assert calendar_for(extra) is calendar_for(frozenset({date(2026, 6, 2)}))
    assert calendar_for(extra) is not calendar_for(frozenset())
    assert not calendar_for(extra).is_working_day(date(2026, 6, 2))


def test_national_holidays_are_built_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    import holidays

    national_holidays.cache_clear()
    calls: list[object] = []
    real = holidays.country_holidays

    def counting(*args: object, **kwargs: object):
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    cal = WorkingCalendar()
    for _ in range(50):
        cal.add_working_days(date(2026, 12, 23), 5)
        cal.is_working_day(date(2026, 12, 24))
    assert sorted(calls) == [2026, 2027]

"""Working days (hari kerja) for Indonesian service deadlines.

A deadline of "N hari kerja" skips Saturdays, Sundays, national public holidays and cuti
bersama (the government's collective-leave days, which the `holidays` package files under
the "government" category), plus any extra days off a region declares.

Deadlines are computed on every submission, so the holiday table is built once per year
(module-wide, shared by every calendar) and each calendar keeps, per year, the sorted list
of its working days: adding or counting working days is then a binary search, not a walk.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType

import holidays

COUNTRY = "ID"
# "government" carries the cuti bersama (joint holidays); without it deadlines would count
# days on which offices are closed.
CATEGORIES: tuple[str, ...] = ("public", "government")
REGIONAL_HOLIDAY_NAME = "Regional holiday"


@functools.lru_cache(maxsize=256)
def national_holidays(year: int) -> Mapping[date, str]:
    """National holidays and cuti bersama of one year, date -> name (cached per year)."""
    table = holidays.country_holidays(COUNTRY, years=year, categories=CATEGORIES)
    # Read-only: the cached table is shared by every calendar.
    return MappingProxyType({d: name for d, name in table.items() if d.year == year})


class WorkingCalendar:
    """Monday–Friday minus national holidays, cuti bersama and the region's extra days."""

    def __init__(self, extra_holidays: Iterable[date] = ()) -> None:
        self.extra_holidays: frozenset[date] = frozenset(extra_holidays)
        # year -> ascending ordinals of that year's working days, filled lazily.
        self._working: dict[int, list[int]] = {}

    def __repr__(self) -> str:
        return f"WorkingCalendar(extra_holidays={sorted(self.extra_holidays)!r})"

    def _working_days(self, year: int) -> list[int]:
        days = self._working.get(year)
        if days is None:
            closed = national_holidays(year).keys() | self.extra_holidays
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            days = []
            for o in range(first, last + 1):
                d = date.fromordinal(o)
                if d.weekday() < 5 and d not in closed:
                    days.append(o)
            # Idempotent: two threads racing here compute the same list.
            self._working[year] = days
        return days

    def is_working_day(self, d: date) -> bool:
        """True on a weekday that is neither a national nor a regional day off."""
        if d.weekday() >= 5:
            return False
        return d not in self.extra_holidays and d not in national_holidays(d.year)

    def holiday_name(self, d: date) -> str | None:
        """The holiday's name (national first), or None on an ordinary day or weekend."""
        name = national_holidays(d.year).get(d)
        if name is not None:
            return name
        if d in self.extra_holidays:
            return REGIONAL_HOLIDAY_NAME
        return None

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start`; `start` itself never counts; n=0 gives start."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start
        year = start.year
        days = self._working_days(year)
        i = bisect_right(days, start.toordinal())  # first working day strictly after start
        remaining = n
        while i + remaining > len(days):
            remaining -= len(days) - i
            year += 1
            days = self._working_days(year)
            i = 0
        return date.fromordinal(days[i + remaining - 1])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; the negated count of (end, start] if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        total = 0
        for year in range(start.year, end.year + 1):
            days = self._working_days(year)
            lo = bisect_right(days, start.toordinal()) if year == start.year else 0
            hi = bisect_right(days, end.toordinal()) if year == end.year else len(days)
            total += hi - lo
        return total


@functools.lru_cache(maxsize=128)
def calendar_for(extra: frozenset[date] = frozenset()) -> WorkingCalendar:
    """A shared calendar per set of regional days off, so its per-year tables are reused."""
    return WorkingCalendar(extra)

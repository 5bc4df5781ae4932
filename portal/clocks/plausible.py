"""The dates a filter or a period may name: from 2000 to next year (pure, no Flask).

The portal holds no case from before 2000 and none from the future, and a date far
outside that (year 1, year 9999) breaks the time-zone arithmetic of the queries
(`datetime.combine(date(1, 1, 1), …).astimezone(UTC)` overflows). So a date typed into a
URL outside this range is not a filter but a mistake: the page says so and ignores it.
"""

from __future__ import annotations

from datetime import date

FIRST_YEAR = 2000


def plausible_years(today: date) -> tuple[int, int]:
    """The first and the last year a filter may name (inclusive)."""
    return FIRST_YEAR, today.year + 1


def is_plausible(day: date, today: date) -> bool:
    first, last = plausible_years(today)
    return first <= day.year <= last

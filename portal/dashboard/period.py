"""The months a recap covers, as a leader picks them (pure, no Flask).

A recap counts cases by the month they were filed, in the region's own time: a report filed
at 00:30 WITA on 1 March belongs to March even though it is still February in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from portal.clocks.deadlines import local_date, zone
from portal.clocks.plausible import is_plausible

PRESETS = ("12-bulan", "bulan-ini", "3-bulan", "tahun-ini", "tahun-lalu")
DEFAULT_PRESET = "12-bulan"
MAX_MONTHS = 120  # ten years: more is a typo, and would only make a slow page


class PeriodError(ValueError):
    """The months asked for cannot be read; the message says what to type instead."""


def first_of_month(d: date) -> date:
    return d.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a calendar month in the region's time zone."""
    tz = zone(timezone)
    start = datetime.combine(month, time(0), tz)
    end = datetime.combine(add_months(month, 1), time(0), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_of(instant: datetime, timezone: str) -> date:
    return first_of_month(local_date(instant, timezone))


@dataclass(frozen=True)
class Period:
    first: date  # first day of the first month
    last: date  # first day of the last month (inclusive)
    preset: str | None = None

    @property
    def months(self) -> list[date]:
        out, m = [], self.first
        while m <= self.last:
            out.append(m)
            m = add_months(m, 1)
        return out

    def contains(self, month: date) -> bool:
        return self.first <= month <= self.last


def preset_period(name: str, today: date) -> Period:
    this = first_of_month(today)
    if name == "bulan-ini":
        return Period(this, this, name)
    if name == "3-bulan":
        return Period(add_months(this, -2), this, name)
    if name == "tahun-ini":
        return Period(date(today.year, 1, 1), this, name)
    if name == "tahun-lalu":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 1), name)
    if name == "12-bulan":
        return Period(add_months(this, -11), this, name)
    raise PeriodError(f"unknown period {name!r}")


def _month(text: str) -> date:
    try:
        parsed = datetime.strptime(text.strip(), "%Y-%m")
    except ValueError as exc:
        raise PeriodError(text) from exc
    return date(parsed.year, parsed.month, 1)


def parse_period(preset: str | None, first: str | None, last: str | None, today: date) -> Period:
    """From ?periode=… or ?dari=YYYY-MM&sampai=YYYY-MM; raises PeriodError when unreadable."""
    if first or last:
        start = _month(first or last or "")
        end = _month(last or first or "")
        if not (is_plausible(start, today) and is_plausible(end, today)):
            raise PeriodError("out of range")  # year 1 or 9999 would overflow the month bounds
        if end < start:
            raise PeriodError("end before start")
        if len(Period(start, end).months) > MAX_MONTHS:
            raise PeriodError("too long")
        return Period(start, end)
    return preset_period(preset or DEFAULT_PRESET, today)

"""The two dates a citizen is promised when a report is submitted.

Pure domain: the app passes the submission instant, the region's timezone and clocks, and
the calendar; nothing here reads configuration or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.clocks.calendar import WorkingCalendar
from portal.routing.model import CLASSIFICATIONS, Clocks

# Indonesia's three zones have had fixed offsets and no daylight saving since 1988; used
# only if the host lacks tz data (slim containers), so a missing package cannot stop
# submissions. Any other unknown name still raises.
_INDONESIAN_FIXED_OFFSETS = {
    "Asia/Jakarta": 7,
    "Asia/Pontianak": 7,
    "Asia/Makassar": 8,
    "Asia/Jayapura": 9,
}


@dataclass(frozen=True)
class Deadlines:
    verify_due: date
    followup_due: date


@lru_cache(maxsize=64)
def zone(name: str) -> dt_timezone | ZoneInfo:
    """The zone by IANA name; Indonesia's fixed offsets when the host has no tz data."""
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        hours = _INDONESIAN_FIXED_OFFSETS.get(name)
        if hours is None:
            raise
        return dt_timezone(timedelta(hours=hours), name)


def local_date(instant: datetime, timezone: str) -> date:
    """The calendar date of `instant` as the region's offices see it."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("submitted_at must be timezone-aware (UTC)")
    return instant.astimezone(zone(timezone)).date()


def deadlines_for(
    submitted_at: datetime,
    timezone: str,
    clocks: Clocks,
    classification: str,
    supervised: bool,
    calendar: WorkingCalendar,
) -> Deadlines:
    """Both due dates count from the local submission day, as the poster promises."""
    # Clocks.followup_for reads an attribute by name: an unchecked string such as
    # "verification" would silently pick the wrong clock.
    if classification not in CLASSIFICATIONS:
        raise ValueError(f"unknown classification {classification!r}; expected {CLASSIFICATIONS}")
    day = local_date(submitted_at, timezone)
    return Deadlines(
        verify_due=calendar.add_working_days(day, clocks.verification),
        followup_due=calendar.add_working_days(
            day, clocks.followup_for(classification, supervised)
        ),
    )

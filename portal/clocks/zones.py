"""Indonesian clock names for the regions' IANA time zones, and moments on those clocks.

Staff read times in their region's own clock with the name Indonesians use for it (WIB,
WITA, WIT), never in UTC: a WITA desk that reads "09.00 WIB" answers an hour late. Pure
(no Flask): the Jinja filter `local_time` in portal/i18n.py formats with these.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Indonesians name their three zones, not UTC offsets. Pontianak (West Kalimantan) is WIB.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_label(timezone: str) -> str:
    """'WITA' for Asia/Makassar; a zone outside Indonesia keeps its IANA name."""
    return ZONE_NAMES.get(timezone, timezone)


def on_clock(moment: datetime, timezone: str) -> datetime:
    """The moment on the zone's wall clock; a naive moment is taken as UTC (SQLite)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone))


def zones_label(timezones: Iterable[str]) -> str:
    """The clock names of several regions' zones, once each: 'WIB/WITA' for a mixed page."""
    seen: list[str] = []
    for timezone in timezones:
        label = zone_label(timezone)
        if label not in seen:
            seen.append(label)
    return "/".join(seen)

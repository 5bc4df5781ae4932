"""The query parameters of the GET endpoints, checked: a bad value is a 400 that names the
parameter ("page: …"), every bad parameter at once, before anything is looked up.

Takes the query as a plain mapping; the messages are in the locale the view forced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _

from portal.complaints.tracking_codes import normalize_tracking_code
from portal.open311.formats import Open311Error
from qr.shortcode import normalize

LOCALES = ("id", "en")
DEFAULT_PERIOD = timedelta(days=90)  # GeoReport's default range when no date is given
MAX_CODES = 100
MAX_ERRORS_PER_FIELD = 10
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
STATUSES = ("open", "closed")


def wanted_locale(args: Mapping[str, str]) -> str:
    """`locale=en` or Indonesian; anything else is Indonesian (never an error)."""
    value = (args.get("locale") or "").strip().lower()
    return value if value in LOCALES else "id"


def jurisdiction_of(args: Mapping[str, str]) -> str | None:
    """The region id asked for, lower-cased; None when absent or empty."""
    value = (args.get("jurisdiction_id") or "").strip().lower()
    return value or None


@dataclass(frozen=True)
class RequestFilters:
    """The list query as typed values; service codes are resolved by the view (they need
    the routing and the jurisdiction)."""

    codes: tuple[str, ...]
    service_codes: tuple[str, ...]
    statuses: tuple[str, ...]
    start: datetime | None
    end: datetime | None
    page: int
    page_size: int


def request_filters(args: Mapping[str, str], *, now: datetime) -> RequestFilters:
    """The filters of GET requests; Open311Error(400) listing every bad parameter."""
    problems: list[tuple[int, str]] = []
    named: dict[str, int] = {}

    def bad(field: str, message: str) -> None:
        # a list of thousands of bad codes is answered in a few lines, not one per code
        named[field] = named.get(field, 0) + 1
        if named[field] <= MAX_ERRORS_PER_FIELD:
            problems.append((400, f"{field}: {message}"))

    codes = _items(args.get("service_request_id"))
    if len(codes) > MAX_CODES:
        bad("service_request_id", _("paling banyak %(num)d kode", num=MAX_CODES))
    normalized_codes = []
    for code in codes:
        canonical = normalize_tracking_code(code)
        if canonical is None:
            bad("service_request_id", _("bukan nomor pelacakan: %(value)s", value=code[:40]))
        else:
            normalized_codes.append(canonical)

    service_codes = []
    for code in _items(args.get("service_code")):
        canonical = normalize(code)
        if canonical is None:
            bad("service_code", _("bukan kode layanan: %(value)s", value=code[:40]))
        else:
            service_codes.append(canonical)

    statuses = tuple(item.lower() for item in _items(args.get("status")))
    for value in statuses:
        if value not in STATUSES:
            bad("status", _("gunakan open atau closed, bukan %(value)s", value=value[:40]))

    start = _datetime(args, "start_date", bad)
    end = _datetime(args, "end_date", bad)
    if start is not None and end is not None and start > end:
        bad("end_date", _("harus sesudah start_date"))
    if "start_date" not in args and "end_date" not in args:
        start = now - DEFAULT_PERIOD

    page = _whole(args, "page", 1, 1, None, bad)
    page_size = _whole(args, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, bad)
    if problems:
        raise Open311Error(400, *problems)
    return RequestFilters(
        codes=tuple(dict.fromkeys(normalized_codes)),
        service_codes=tuple(dict.fromkeys(service_codes)),
        statuses=tuple(dict.fromkeys(statuses)),
        start=start,
        end=end,
        page=page,
        page_size=page_size,
    )


def _items(value: str | None) -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# An offset's "+" typed into a URL unencoded arrives as a space ("…T08:00:00 08:00").
_SPACED_OFFSET = re.compile(r"(?<=\d\d:\d\d) (\d\d:?\d\d)$")


def _datetime(args: Mapping[str, str], field: str, bad) -> datetime | None:
    """ISO 8601 (`2026-12-03T08:00:00+08:00`, `…Z`, or a date); no offset means UTC."""
    if field not in args:
        return None
    raw = _SPACED_OFFSET.sub(r"+\1", args.get(field, "").strip())
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        bad(field, _("bukan tanggal-waktu ISO 8601 (contoh 2026-12-03T08:00:00+08:00)"))
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 with a positive offset, and the like
        bad(field, _("di luar rentang tanggal"))
        return None


def _whole(
    args: Mapping[str, str], field: str, default: int, low: int, high: int | None, bad
) -> int:
    raw = (args.get(field) or "").strip()
    if field not in args:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        bad(field, _("harus bilangan bulat positif"))
        return default
    value = int(raw)
    if value < low or (high is not None and value > high):
        if high is None:
            bad(field, _("paling kecil %(low)d", low=low))
        else:
            bad(field, _("harus %(low)d sampai %(high)d", low=low, high=high))
        return default
    return value

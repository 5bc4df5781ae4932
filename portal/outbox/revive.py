"""Reviving given-up rows: a fresh start, once a person decided they should go out after all.

The e-mail outbox calls it re-send, the mirror retry; either way the row keeps its
identity (Message-ID, idempotency key), so the peer can recognise a repeat. After an
outage an admin revives many rows at once by a filter (region, creation dates, error text):
one UPDATE on PostgreSQL whatever the number of rows, committed chunks on SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import ColumnElement, func, select, update

from portal.extensions import db
from portal.outbox.channel import Channel
from portal.outbox.states import PENDING
from portal.timeutil import utcnow

MAX_ERROR_FILTER = 200  # characters of "error text contains"
REVIVE_CHUNK = 2000  # rows per committed UPDATE of a bulk revive
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class FilterError(ValueError):
    """A filter value that cannot be right; nothing is revived. `field` names it (since,
    until, range, region, error) so a page can say which in the reader's language."""

    def __init__(self, field: str, value: str, message: str):
        super().__init__(message)
        self.field = field
        self.value = value


@dataclass(frozen=True)
class ReviveFilter:
    """Which given-up rows to revive; every part is optional (none: all of them)."""

    region_id: str | None = None
    created_from: datetime | None = None  # inclusive, UTC
    created_before: datetime | None = None  # exclusive, UTC
    error_contains: str | None = None  # case-insensitive, taken literally (no wildcards)

    def conditions(self, model: type) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.region_id is not None:
            where.append(model.region_id == self.region_id)
        if self.created_from is not None:
            where.append(model.created_at >= self.created_from)
        if self.created_before is not None:
            where.append(model.created_at < self.created_before)
        if self.error_contains:
            where.append(model.last_error.icontains(self.error_contains, autoescape=True))
        return where


def _day(field: str, raw: str | None) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise FilterError(field, text, f"{field}: {text!r} is not a date (YYYY-MM-DD)")


def parse_filter(
    *,
    region: str | None,
    since: str | None,
    until: str | None,
    error: str | None,
    regions: Collection[str],
    zone: tzinfo,
) -> ReviveFilter:
    """A filter from what a person typed: `since`/`until` are whole days (YYYY-MM-DD, both
    included) in `zone`; `region` must be one of `regions` (those the person may reach).
    Raises FilterError for the first value that cannot be right."""
    region = (region or "").strip() or None
    if region is not None and region not in regions:
        raise FilterError("region", region, f"region {region!r} is unknown")
    first, last = _day("since", since), _day("until", until)
    if first is not None and last is not None and last < first:
        raise FilterError("range", f"{first}..{last}", f"until {last} is before since {first}")
    text = (error or "").strip() or None
    if text is not None and len(text) > MAX_ERROR_FILTER:
        raise FilterError("error", text[:40], f"error text longer than {MAX_ERROR_FILTER}")

    def start_of(day: date | None) -> datetime | None:
        if day is None:
            return None
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return ReviveFilter(
        region_id=region,
        created_from=start_of(first),
        created_before=start_of(last + timedelta(days=1)) if last is not None else None,
        error_contains=text,
    )


def count_given_up(channel: Channel, *where: ColumnElement[bool]) -> int:
    """How many given-up rows (also matching `where`) a revive would touch."""
    model = channel.model
    stmt = select(func.count()).select_from(model).where(model.status == channel.give_up_state)
    return int(db.session.execute(stmt.where(*where)).scalar())


def revive(channel: Channel, *where: ColumnElement[bool], now: datetime | None = None) -> int:
    """Given-up rows (also matching `where`) due again now, attempts reset, the last error
    kept for the record; returns how many rows changed.

    One UPDATE on PostgreSQL (it locks only the rows, which no worker claims while they are
    given up). On SQLite, whose one write lock every citizen's submission needs too, it
    commits REVIVE_CHUNK rows at a time; a revived row is pending, so the next chunk's
    query no longer sees it.
    """
    model = channel.model
    given_up = model.status == channel.give_up_state
    fresh = dict(
        status=PENDING,
        attempts=0,
        next_attempt_at=now or utcnow(),
        claimed_by=None,
        locked_until=None,
    )
    chunked = db.engine.dialect.name == "sqlite"
    changed = 0
    while True:
        stmt = update(model).values(**fresh).execution_options(synchronize_session=False)
        if chunked:
            ids = select(model.id).where(given_up, *where).order_by(model.id).limit(REVIVE_CHUNK)
            stmt = stmt.where(model.id.in_(ids.scalar_subquery()), given_up)
        else:
            stmt = stmt.where(given_up, *where)
        done = db.session.execute(stmt).rowcount
        db.session.commit()
        changed += done
        if not chunked or done < REVIVE_CHUNK:
            return changed

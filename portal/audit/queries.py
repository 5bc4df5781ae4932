"""Reading the audit trail: one query, scoped and filtered, for the page, its counts and the
CSV alike.

The scope is the reader's `Reach` (portal/accounts/reach.py), passed in by the view: its
`condition` over the entry's region/agency/unit is the only door, so a regional admin
reads entries placed in their region and never one without a region (those are the super
admin's). Filters only ever narrow that. Newest first, the id breaking ties.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, func, or_, select

from portal.audit.labels import GROUPS, group_prefixes
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.paging import PAGE_SIZE, Page

NO_REGION = "tanpa"  # the super admin's region filter for entries placed in no region


class Scope(Protocol):
    """What the query needs of a Reach (portal.audit imports nothing from accounts)."""

    def condition(self, region_col: Any, agency_col: Any, unit_col: Any) -> ColumnElement[bool]: ...


@dataclass(frozen=True)
class AuditFilters:
    group: str | None = None  # a key of labels.GROUPS
    person: str | None = None  # a piece of the actor's or the target's e-mail
    start: datetime | None = None  # aware, inclusive
    end: datetime | None = None  # aware, exclusive
    region_id: str | None = None  # a region id, or NO_REGION


def scoped(scope: Scope, filters: AuditFilters) -> Select:
    """The entries within `scope` that pass `filters`, unordered."""
    stmt = select(AuditEntry).where(
        scope.condition(AuditEntry.region_id, AuditEntry.agency_id, AuditEntry.unit_id)
    )
    if filters.group in GROUPS:
        prefixes = group_prefixes(filters.group)
        stmt = stmt.where(or_(*(AuditEntry.action.startswith(p) for p in prefixes)))
    if filters.person:
        piece = filters.person.lower()
        stmt = stmt.where(
            or_(
                func.lower(AuditEntry.actor_email).contains(piece, autoescape=True),
                func.lower(AuditEntry.target_label).contains(piece, autoescape=True),
            )
        )
    if filters.start is not None:
        stmt = stmt.where(AuditEntry.at >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(AuditEntry.at < filters.end)
    if filters.region_id == NO_REGION:
        stmt = stmt.where(AuditEntry.region_id.is_(None))
    elif filters.region_id:
        stmt = stmt.where(AuditEntry.region_id == filters.region_id)
    return stmt


def newest_first(stmt: Select) -> Select:
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def count(scope: Scope, filters: AuditFilters) -> int:
    inner = scoped(scope, filters).with_only_columns(AuditEntry.id).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


def page(
    scope: Scope, filters: AuditFilters, number: int, size: int = PAGE_SIZE
) -> tuple[Page, int]:
    """Page `number` (1-based) of the entries, newest first (past the end: the last page),
    and how many entries there are. Counted and sliced in SQL: the trail holds every
    sign-in, far too many to read whole as the shorter staff lists are."""
    total = count(scope, filters)
    last = max(1, -(-total // size))
    number = min(max(1, number), last)
    stmt = newest_first(scoped(scope, filters)).offset((number - 1) * size).limit(size)
    return Page(list(db.session.execute(stmt).scalars()), number, last), total


def every(
    scope: Scope, filters: AuditFilters, before_id: int | None = None, batch: int = 1000
) -> Iterator[AuditEntry]:
    """Every entry, newest first, read in batches (for the CSV); `before_id`: only those
    older than that entry (the export's own, so the file is what was counted)."""
    stmt = scoped(scope, filters)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    stmt = newest_first(stmt).execution_options(yield_per=batch)
    yield from db.session.execute(stmt).scalars()

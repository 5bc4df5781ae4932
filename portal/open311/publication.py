"""What the public record holds: the one query every public Open311 answer starts from.

A report is published once staff have verified it, unless it is Rahasia (the citizen asked
that it never be public), still held back by the abuse list, or archived as spam. Every
list, single answer and photo of the API goes through `published()`, so the rule lives in
one place and an unpublished report answers exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import selectinload

from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db

SPAM = "spam"


def published_clause() -> ColumnElement[bool]:
    """The SQL condition of a published report (reject_reason NULL is not spam)."""
    return and_(
        Complaint.confidential.is_(False),
        Complaint.status != s.QUARANTINED,
        Complaint.verified_at.is_not(None),
        or_(Complaint.reject_reason.is_(None), Complaint.reject_reason != SPAM),
    )


def is_published(complaint: Complaint) -> bool:
    """The same rule on a loaded row (for tests and for answers built from one row)."""
    return (
        not complaint.confidential
        and complaint.status != s.QUARANTINED
        and complaint.verified_at is not None
        and complaint.reject_reason != SPAM
    )


def published() -> Select[tuple[Complaint]]:
    """Published reports, with what an answer reads (events, photos) loaded in bulk."""
    return (
        select(Complaint)
        .where(published_clause())
        .options(selectinload(Complaint.events), selectinload(Complaint.photos))
    )


def published_case(code: str, region_ids: Collection[str] | None = None) -> Complaint | None:
    """The published report of that tracking code (in one of `region_ids` when given)."""
    stmt = published().where(Complaint.tracking_code == code)
    if region_ids is not None:
        stmt = stmt.where(Complaint.region_id.in_(list(region_ids)))
    return db.session.execute(stmt).scalar_one_or_none()


@dataclass(frozen=True)
class Origin:
    """One service point as complaints may have stored it: its IDs and their old aliases."""

    agencies: tuple[str, ...]
    units: tuple[str, ...]
    services: tuple[str, ...]


@dataclass(frozen=True)
class RequestSearch:
    """The list filters, already checked (portal/open311/params.py)."""

    region_ids: tuple[str, ...]
    codes: tuple[str, ...] = ()  # tracking codes: the other filters are then ignored
    origins: tuple[Origin, ...] = ()
    statuses: tuple[str, ...] = ()  # "open" / "closed"
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = 100


def search(query: RequestSearch) -> Sequence[Complaint]:
    """One page of published reports, newest first."""
    stmt = published().where(Complaint.region_id.in_(list(query.region_ids)))
    if query.codes:
        stmt = stmt.where(Complaint.tracking_code.in_(list(query.codes)))
    else:
        stmt = _filtered(stmt, query)
    stmt = (
        stmt.order_by(Complaint.submitted_at.desc(), Complaint.id.desc())
        .limit(query.page_size)
        .offset((query.page - 1) * query.page_size)
    )
    return db.session.execute(stmt).scalars().all()


def _filtered(stmt: Select, query: RequestSearch) -> Select:
    if query.origins:
        stmt = stmt.where(
            or_(
                *(
                    and_(
                        Complaint.origin_agency_id.in_(o.agencies),
                        Complaint.origin_unit_id.in_(o.units),
                        Complaint.origin_service_id.in_(o.services),
                    )
                    for o in query.origins
                )
            )
        )
    wanted = set(query.statuses)
    if wanted == {"open"}:
        stmt = stmt.where(Complaint.status.in_(s.OPEN))
    elif wanted == {"closed"}:
        stmt = stmt.where(Complaint.status.not_in(s.OPEN))
    if query.start is not None:
        stmt = stmt.where(Complaint.submitted_at >= query.start)
    if query.end is not None:
        stmt = stmt.where(Complaint.submitted_at <= query.end)
    return stmt

"""What the mirror looks like now, for `national status` and the staff page."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.national.models import FAILED, PENDING, SENDING, STATES, NationalMirrorItem
from portal.outbox.revive import ReviveFilter

LIST_LIMIT = 200


def _in_region(stmt: Select, region_id: str | None) -> Select:
    return stmt if region_id is None else stmt.where(NationalMirrorItem.region_id == region_id)


def counts(region_id: str | None = None) -> dict[str, int]:
    """Items per state (every state named, zero included), for one region or all."""
    stmt = select(NationalMirrorItem.status, func.count()).group_by(NationalMirrorItem.status)
    found = dict(db.session.execute(_in_region(stmt, region_id)).all())
    return {state: int(found.get(state, 0)) for state in STATES}


def items_in(
    states: tuple[str, ...],
    region_id: str | None = None,
    limit: int = LIST_LIMIT,
    where: ReviveFilter | None = None,
) -> list[NationalMirrorItem]:
    """Items in these states (and matching `where`), oldest first, with their case (for the
    tracking code)."""
    stmt = (
        select(NationalMirrorItem)
        .options(joinedload(NationalMirrorItem.complaint))
        .where(NationalMirrorItem.status.in_(states))
        .order_by(NationalMirrorItem.id)
        .limit(limit)
    )
    if where is not None:
        stmt = stmt.where(*where.conditions(NationalMirrorItem))
    return list(db.session.execute(_in_region(stmt, region_id)).scalars())


def failed_items(
    region_id: str | None = None, limit: int = LIST_LIMIT, where: ReviveFilter | None = None
):
    """Items LAPOR! refused or that ran out of attempts: they need a person."""
    return items_in((FAILED,), region_id, limit, where)


def waiting_items(region_id: str | None = None, limit: int = LIST_LIMIT):
    """Items not delivered yet (pending, or being sent right now)."""
    return items_in((PENDING, SENDING), region_id, limit)

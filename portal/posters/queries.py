"""Reading the poster registry, always through the user's scope."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select

from portal.accounts.models import User
from portal.extensions import db
from portal.posters.models import PosterBatch, PosterItem
from portal.posters.scope import item_condition

REGISTRY_PAGE = 100


def visible_batches(user: User, limit: int = REGISTRY_PAGE) -> Sequence[PosterBatch]:
    """Newest first: batches with at least one poster within the user's reach."""
    stmt = (
        select(PosterBatch)
        .where(exists().where(PosterItem.batch_id == PosterBatch.id, item_condition(user)))
        .order_by(PosterBatch.created_at.desc(), PosterBatch.id.desc())
        .limit(limit)
    )
    return db.session.execute(stmt).unique().scalars().all()


def visible_items(user: User, batch_ids: Sequence[int]) -> dict[int, list[PosterItem]]:
    """The posters of those batches that the user may see, by batch id, in page order."""
    if not batch_ids:
        return {}
    stmt = (
        select(PosterItem)
        .where(PosterItem.batch_id.in_(batch_ids), item_condition(user))
        .order_by(PosterItem.batch_id, PosterItem.page)
    )
    grouped: dict[int, list[PosterItem]] = {}
    for item in db.session.execute(stmt).scalars():
        grouped.setdefault(item.batch_id, []).append(item)
    return grouped


def printed_for_unit(agency_id: str, unit_id: str) -> Sequence[PosterItem]:
    """Posters printed for a unit, newest first: what a routing change (a unit renamed,
    merged or closed) should warn about before it is made."""
    stmt = (
        select(PosterItem)
        .join(PosterBatch)
        .where(PosterItem.agency_id == agency_id, PosterItem.unit_id == unit_id)
        .order_by(PosterBatch.created_at.desc(), PosterItem.page)
    )
    return db.session.execute(stmt).scalars().all()

"""Claiming due rows of an outbox table for one worker, and writing back what became of them.

A short transaction marks rows `sending` with a lease (locked_until). On PostgreSQL the
candidates are read FOR UPDATE SKIP LOCKED, so workers on several hosts take disjoint
batches without waiting; the claiming UPDATE re-checks each row's state, so a row goes to
one worker only, on SQLite too. The rows come back detached, so the per-row commits that
follow never expire and re-read them. A worker writes a row's outcome only while the row is
still its own: once its lease ran out and another worker took the row, it writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update

from portal.extensions import db
from portal.outbox.states import PENDING, SENDING

LEASE = timedelta(minutes=5)


def due(model: type, now: datetime) -> ColumnElement[bool]:
    """Waiting for its next attempt, or claimed by a worker whose lease has run out."""
    return or_(
        and_(model.status == PENDING, model.next_attempt_at <= now),
        and_(model.status == SENDING, model.locked_until < now),
    )


def claim_due(
    model: type, worker_id: str, now: datetime, limit: int, *extra: ColumnElement[bool]
) -> list[Any]:
    """Mark up to `limit` due rows of `model` (also matching `extra`) as ours; commits."""
    candidates = select(model.id).where(due(model, now), *extra).order_by(model.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.execute(candidates).scalars())
    if not ids:
        db.session.rollback()
        return []
    db.session.execute(
        update(model)
        .where(model.id.in_(ids), due(model, now))
        .values(
            status=SENDING,
            claimed_by=worker_id,
            locked_until=now + LEASE,
            attempts=model.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    mine = select(model).where(
        model.id.in_(ids), model.claimed_by == worker_id, model.status == SENDING
    )
    rows = list(db.session.execute(mine.order_by(model.id)).scalars())
    for row in rows:
        db.session.expunge(row)
    return rows


def finish(model: type, row_id: int, worker_id: str, **values: Any) -> bool:
    """Write a row's outcome (and release it) only if it is still ours; commits.

    False when another worker has taken the row over after our lease ran out: what it
    does with the row wins.
    """
    changed = db.session.execute(
        update(model)
        .where(model.id == row_id, model.claimed_by == worker_id)
        .values(claimed_by=None, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(changed)


def hand_back(model: type, row: Any, worker_id: str) -> bool:
    """Return a claimed row untried (the worker was asked to stop): no attempt is spent."""
    return finish(model, row.id, worker_id, status=PENDING, attempts=row.attempts - 1)

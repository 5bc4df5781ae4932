"""Claiming due rows of an outbox table for one claim, and writing back what became of them.

A short transaction marks rows `sending` under a claim id (a fresh one for every claim, kept
in `claimed_by`: the fencing token) with a lease (`locked_until`). On PostgreSQL the
candidates are read FOR UPDATE SKIP LOCKED, so workers on several hosts take disjoint
batches without waiting; the claiming UPDATE re-checks each row's state, so a row goes to
one claim only, on SQLite too. The rows come back detached, so the per-row commits that
follow never expire and re-read them.

Every later write names the claim id in its WHERE clause: `take` (right before a row is
sent: still ours? then renew its lease), `renew` (the whole claim, while the worker works)
and `finish` (the outcome). Once a lease ran out and another claim took the row, none of
them changes anything, so the first worker neither sends the row nor records a result.

Lease deadlines and their expiry use the database's clock (dbclock.py), never a worker's;
`next_attempt_at` (when a waiting row is due) stays on the worker's clock, see due().
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, and_, or_, select, update

from portal.extensions import db
from portal.outbox.dbclock import db_now, lease_deadline
from portal.outbox.states import PENDING, SENDING

DEFAULT_LEASE = timedelta(minutes=5)


def lease_length() -> timedelta:
    """OUTBOX_LEASE_SECONDS of the current app (5 minutes without one)."""
    if has_app_context() and current_app.config.get("OUTBOX_LEASE_SECONDS"):
        return timedelta(seconds=float(current_app.config["OUTBOX_LEASE_SECONDS"]))
    return DEFAULT_LEASE


def due(model: type, now: datetime) -> ColumnElement[bool]:
    """Waiting for its next attempt, or claimed under a lease that has run out.

    The lease is checked against the database's clock. `now` (the worker's clock) only
    decides when a waiting row is due: a skew of seconds moves a retry by seconds, and it
    can never hand one row to two claims, which the claiming UPDATE decides; it also lets
    `outbox send` and the tests pass the time in.
    """
    return or_(
        and_(model.status == PENDING, model.next_attempt_at <= now),
        and_(model.status == SENDING, model.locked_until < db_now()),
    )


def claim_due(
    model: type,
    claim_id: str,
    now: datetime,
    limit: int,
    *extra: ColumnElement[bool],
    lease: timedelta | None = None,
) -> list[Any]:
    """Mark up to `limit` due rows of `model` (also matching `extra`) as claim `claim_id`'s;
    commits."""
    lease = lease or lease_length()
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
            claimed_by=claim_id,
            locked_until=lease_deadline(lease),
            attempts=model.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    mine = select(model).where(
        model.id.in_(ids), model.claimed_by == claim_id, model.status == SENDING
    )
    rows = list(db.session.execute(mine.order_by(model.id)).scalars())
    for row in rows:
        db.session.expunge(row)
    return rows


def _ours(model: type, claim_id: str) -> ColumnElement[bool]:
    return and_(model.claimed_by == claim_id, model.status == SENDING)


def take(model: type, row_id: int, claim_id: str, lease: timedelta | None = None) -> bool:
    """Right before sending: is the row still this claim's? If so its lease starts afresh.

    One conditional UPDATE, committed (with the previous row's outcome, if that waits for
    it): False (0 rows) means another claim owns the row now and it must not be sent.
    """
    changed = db.session.execute(
        update(model)
        .where(model.id == row_id, _ours(model, claim_id))
        .values(locked_until=lease_deadline(lease or lease_length()))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed == 1


def renew(connection: Any, model: type, claim_id: str, lease: timedelta) -> int:
    """Extend the lease of every row the claim still holds; returns how many.

    Runs on a connection of its own (the lease keeper's thread), not the session.
    """
    return connection.execute(
        update(model).where(_ours(model, claim_id)).values(locked_until=lease_deadline(lease))
    ).rowcount


def finish(model: type, row_id: int, claim_id: str, *, commit: bool = True, **values: Any) -> bool:
    """Write a row's outcome (and release it) only if the claim still holds it; commits,
    unless the caller commits it with its next statement (`commit=False`: the worker's
    check of the next row, so a row costs one commit, not two).

    False when another claim has taken the row over after our lease ran out: what it
    does with the row wins.
    """
    changed = db.session.execute(
        update(model)
        .where(model.id == row_id, _ours(model, claim_id))
        .values(claimed_by=None, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if commit:
        db.session.commit()
    return bool(changed)


def hand_back(
    model: type,
    row: Any,
    claim_id: str,
    *,
    not_before: datetime | None = None,
    error: str | None = None,
) -> bool:
    """Return a claimed row untried: no attempt is spent.

    Asked to stop, it is due again at once; held back by an unreachable peer, it waits
    until `not_before` (the tried row's backoff) and keeps the reason in `last_error`.
    """
    values: dict[str, Any] = {"status": PENDING, "attempts": row.attempts - 1}
    if not_before is not None:
        values["next_attempt_at"] = not_before
    if error is not None:
        values["last_error"] = error
    return finish(model, row.id, claim_id, **values)

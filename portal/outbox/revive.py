"""Reviving given-up rows: a fresh start, once a person decided they should go out after all.

The e-mail outbox calls it re-send, the mirror retry; either way the row keeps its
identity (Message-ID, idempotency key), so the peer can recognise a repeat.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, update

from portal.extensions import db
from portal.outbox.channel import Channel
from portal.outbox.states import PENDING
from portal.timeutil import utcnow


def revive(channel: Channel, *where: ColumnElement[bool], now: datetime | None = None) -> int:
    """Given-up rows (also matching `where`) due again now, attempts reset, the last error
    kept for the record; commits and returns how many rows changed."""
    model = channel.model
    changed = db.session.execute(
        update(model)
        .where(model.status == channel.give_up_state, *where)
        .values(
            status=PENDING,
            attempts=0,
            next_attempt_at=now or utcnow(),
            claimed_by=None,
            locked_until=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed

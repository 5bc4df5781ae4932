"""Forgetting abandoned conversations: a report left halfway must not keep its text and
photos in the database until the same number happens to write again.

The step is kept (only the draft goes), so the citizen's next message is still told that
the unfinished report was not sent. Run by the worker's tick (`outbox work --tick-every`)
and by `chat sweep` from cron.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from portal.chat.dialogue import IDLE
from portal.chat.models import ChatConversation, ChatDraftPhoto
from portal.extensions import db
from portal.timeutil import utcnow

EMPTY = "{}"


def sweep_abandoned(now: datetime | None = None) -> int:
    """Drop the drafts (text and photos) of conversations silent for longer than
    CHAT_TIMEOUT_MINUTES; returns how many conversations were cleared. Commits."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=current_app.config["CHAT_TIMEOUT_MINUTES"])
    stale = select(ChatConversation.id).where(
        ChatConversation.step != IDLE,
        ChatConversation.updated_at < cutoff,
        ChatConversation.data_json != EMPTY,
    )
    ids = list(db.session.execute(stale).scalars())
    if not ids:
        return 0
    db.session.execute(delete(ChatDraftPhoto).where(ChatDraftPhoto.conversation_id.in_(ids)))
    db.session.execute(
        update(ChatConversation)
        .where(ChatConversation.id.in_(ids), ChatConversation.updated_at < cutoff)
        # a new version: a webhook handling this number right now retries (503), never
        # writes the draft back
        .values(data_json=EMPTY, version_id=ChatConversation.version_id + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return len(ids)


def tick_and_sweep():
    """The worker's tick: the deadline tick, then the chat sweep (its result is the tick's)."""
    from portal.cases.sla import tick_active_routing

    result = tick_active_routing()
    sweep_abandoned()
    return result

"""Writing e-mail: an outbox row added to the caller's transaction (no network, no commit)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import utcnow


def new_message_id(sender: str) -> str:
    """A Message-ID fixed when the row is written, so every retry carries the same one."""
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "aduan.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def add_message(
    template: str,
    recipient: str,
    context: dict[str, Any],
    *,
    locale: str = "id",
    complaint_id: int | None = None,
    complaint=None,
    region_id: str | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Add one message to the session; it commits or rolls back with the caller's change."""
    row = OutboxMessage(
        message_id=new_message_id(current_app.config.get("MAIL_DEFAULT_SENDER", "")),
        template=template,
        recipient=recipient.strip(),
        locale=locale if locale in ("id", "en") else "id",
        context_json=json.dumps(context, ensure_ascii=False, default=str),
        complaint_id=complaint_id,
        region_id=region_id,
        dedupe_key=dedupe_key,
        status="pending",
        attempts=0,
        next_attempt_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    if complaint is not None and complaint_id is None:
        # The complaint may not have an id yet (a new report): let the ORM fill it in.
        row.complaint = complaint
    db.session.add(row)
    return row


def already_in_outbox(keys: list[str]) -> set[str]:
    """Which of these dedupe keys already have a row (sent, pending or dead)."""
    if not keys:
        return set()
    stmt = select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
    return set(db.session.execute(stmt).scalars())

"""Writing a WhatsApp or SMS message: an outbox row added to the caller's transaction (no
network, no commit), like portal.notifications.outbox for e-mail."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from portal.extensions import db
from portal.messaging.models import MEDIA, PhoneMessage
from portal.outbox.states import PENDING
from portal.timeutil import utcnow

CHAT = "chat"  # a conversation's answer: the text is in `body`


def add_phone_message(
    medium: str,
    recipient: str,
    kind: str,
    *,
    body: str | None = None,
    context: dict[str, Any] | None = None,
    choices: Sequence[tuple[str, str]] = (),
    locale: str = "id",
    complaint=None,
    complaint_id: int | None = None,
    region_id: str | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> PhoneMessage:
    """Add one message to the session; it commits or rolls back with the caller's change.

    `recipient` is a canonical number (portal.phone_numbers.msisdn). `choices` (id, title)
    become WhatsApp reply buttons (up to 3) or a list (up to 10); the body itself must
    already say how to answer without them (SMS shows only the body).
    """
    if medium not in MEDIA:
        raise ValueError(f"unknown medium {medium!r}")
    values = dict(context or {})
    if choices:
        values["choices"] = [[cid, title] for cid, title in choices]
    row = PhoneMessage(
        medium=medium,
        recipient=recipient,
        kind=kind,
        body=body,
        locale=locale if locale in ("id", "en") else "id",
        context_json=json.dumps(values, ensure_ascii=False, default=str),
        complaint_id=complaint_id,
        region_id=region_id,
        dedupe_key=dedupe_key,
        status=PENDING,
        attempts=0,
        next_attempt_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    if complaint is not None and complaint_id is None:
        row.complaint = complaint  # a new report has no id yet: the ORM fills it in
    db.session.add(row)
    return row

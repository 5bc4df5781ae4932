"""Mirror rows for SP4N-LAPOR!: added to the caller's transaction (no network, no commit,
no query), so the national copy commits or rolls back with the change it records."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from portal.complaints.models import Complaint, Event
from portal.extensions import db
from portal.national.models import MIRRORED_EVENTS, PENDING, NationalMirrorItem
from portal.national.payload import build_payload
from portal.timeutil import utcnow


def _add(complaint: Complaint, kind: str, payload: dict[str, Any], now: datetime):
    row = NationalMirrorItem(
        region_id=complaint.region_id,
        event_kind=kind,
        idempotency_key=uuid.uuid4().hex,
        payload_json=json.dumps(payload, ensure_ascii=False),
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    # A new report has no id before the flush: the ORM fills the foreign key in.
    if complaint.id is None:
        row.complaint = complaint
    else:
        row.complaint_id = complaint.id
    db.session.add(row)
    return row


def mirror_submitted(complaint: Complaint) -> NationalMirrorItem:
    """Add a new report to the mirror (called before the submission's commit)."""
    at = complaint.submitted_at or utcnow()
    return _add(complaint, "submitted", build_payload(complaint, "submitted", at), utcnow())


def mirror_case_event(complaint: Complaint, event: Event) -> NationalMirrorItem | None:
    """Add a case event to the mirror, unless it is staff-internal (a note)."""
    if event.kind not in MIRRORED_EVENTS:
        return None
    at = event.created_at or utcnow()
    return _add(complaint, event.kind, build_payload(complaint, event.kind, at), utcnow())

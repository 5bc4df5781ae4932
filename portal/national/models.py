"""The SP4N-LAPOR! mirror outbox: one row per case event the national system must record.

Written in the same transaction as the change it mirrors (like the e-mail outbox), so a
report or status change is either stored and bound for LAPOR!, or neither.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.outbox.states import PENDING, SENDING, SENT, DeliveryState

# pending: waiting for its next attempt (http) or for the next export; sent: delivered
# (http) or written to an export file (export_batch)
FAILED = "failed"  # gave up (refused, or too many attempts); kept, and can be retried
STATES = (PENDING, SENDING, SENT, FAILED)

# Per-case order: LAPOR! must never learn of a status change before the report itself, so
# an item waits while an earlier item of its case is not sent yet (pending, sending or
# failed). Both connectors go by it (portal/outbox/ordering.py).
ORDER_KEY = "complaint_id"

EXPORT = "export"
HTTP = "http"
CONNECTORS = (EXPORT, HTTP)

# Case events LAPOR! records: the report and everything the citizen can see happen to it.
# "note" (staff-internal) is deliberately absent; a new event kind is not mirrored until
# it is added here, so an internal kind can never leak by default.
MIRRORED_EVENTS = frozenset(
    {
        "submitted",
        "verify",
        "redispose",
        "start",
        "hold",
        "answer",
        "resume",  # the hold ended by staff, or by its running out (status changes)
        "hold_timeout",
        "respond",
        "reply",
        "rate",
        "reopen",
        "close",
        "auto_close",
        "reject_spam",
        "reject_duplicate",
        "forward",
        # Between regions of this portal: the snapshot carries the new daerah_id.
        "transfer",
        "send_back",
    }
)


class NationalMirrorItem(DeliveryState, db.Model):
    __tablename__ = "national_mirror_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    region_id: Mapped[str] = mapped_column(String(40))  # scopes the admin page and exports
    event_kind: Mapped[str] = mapped_column(String(30))
    # Sent with every attempt (Idempotency-Key, and in each export line), so LAPOR! can
    # recognise a delivery repeated after a crash or a re-export.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The snapshot taken when the change happened; later edits of the case never rewrite
    # what an earlier item says.
    payload_json: Mapped[str] = mapped_column(Text)

    # The delivery state (status, attempts, next_attempt_at, claimed_by, locked_until,
    # last_error, created_at, sent_at) comes from DeliveryState.
    connector: Mapped[str | None] = mapped_column(String(10))  # which one delivered it
    remote_ref: Mapped[str | None] = mapped_column(String(100))  # LAPOR!'s id, if answered
    export_batch: Mapped[str | None] = mapped_column(String(40))

    complaint = relationship("Complaint")

    __table_args__ = (
        # The worker: due rows in order.
        Index("ix_national_mirror_items_status_next", "status", "next_attempt_at", "id"),
        # One case's items in order (an item waits for the earlier ones).
        Index("ix_national_mirror_items_complaint", "complaint_id", "id"),
        # The staff page and the export: a region's rows by state.
        Index("ix_national_mirror_items_region_status", "region_id", "status", "id"),
        Index("ix_national_mirror_items_export_batch", "export_batch"),
    )

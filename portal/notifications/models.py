"""The outbox: one row per e-mail to one recipient, written with the change that caused it."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.outbox.states import PENDING, SENDING, SENT, STALE, DeliveryState

DEAD = "dead"  # gave up (permanent error or too many attempts); an admin may re-send it
# stale: a reminder whose deadline stopped running before delivery, not sent
STATES = (PENDING, SENDING, SENT, DEAD, STALE)


class OutboxMessage(DeliveryState, db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable across retries and re-sends, so a mail client shows one message, never two.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    template: Mapped[str] = mapped_column(String(40))  # folder under templates/email/
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="id")
    # Plain values the template reads; rendered by the worker, so a broken template kills
    # only its message, never the case change that wrote it.
    context_json: Mapped[str] = mapped_column(Text, default="{}")
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    region_id: Mapped[str | None] = mapped_column(String(40))  # scopes the admin page
    # Reminders, escalations and digests: one per deadline (or day) and recipient, ever.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    # The delivery state (status, attempts, next_attempt_at, claimed_by, locked_until,
    # last_error, created_at, sent_at) comes from DeliveryState.

    complaint = relationship("Complaint")

    __table_args__ = (
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at", "id"),
        Index("ix_outbox_messages_region_status", "region_id", "status"),
    )

"""The phone outbox: one row per WhatsApp or SMS message to one number, written with the
change that caused it (a case event, a chat answer) and delivered by `outbox work`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.outbox.states import PENDING, SENDING, SENT, STALE, DeliveryState
from portal.timeutil import UTCDateTime

WHATSAPP = "whatsapp"
SMS = "sms"
MEDIA = (WHATSAPP, SMS)

DEAD = "dead"  # given up (refused template, invalid number, too long failing); re-sendable
STATES = (PENDING, SENDING, SENT, DEAD, STALE)


class PhoneMessage(DeliveryState, db.Model):
    __tablename__ = "phone_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    medium: Mapped[str] = mapped_column(String(10))  # whatsapp | sms
    recipient: Mapped[str] = mapped_column(String(16))  # portal.phone_numbers.msisdn
    # What is said: a citizen notice by case event (receipt, verified, on_hold, …) rendered
    # by the worker in `locale`, or a chat answer whose text is in `body`.
    kind: Mapped[str] = mapped_column(String(30))
    locale: Mapped[str] = mapped_column(String(5), default="id")
    context_json: Mapped[str] = mapped_column(Text, default="{}")
    # A chat answer's text, written by the conversation; never holds a private link's
    # secret (links are added by the worker, as for e-mail).
    body: Mapped[str | None] = mapped_column(Text)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    region_id: Mapped[str | None] = mapped_column(String(40))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The provider's id for what it accepted (WhatsApp `wamid…`, the gateway's message id),
    # and what the provider said later about delivery (sent, delivered, read, failed).
    remote_ref: Mapped[str | None] = mapped_column(String(128))
    delivery_status: Mapped[str | None] = mapped_column(String(12))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    delivery_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SMS longer than one part: how many parts the gateway already took, so a retry goes on
    # from the next part instead of sending the first ones again.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    connector: Mapped[str | None] = mapped_column(String(12))  # cloud-api | gateway | file

    complaint = relationship("Complaint")

    __table_args__ = (
        Index("ix_phone_messages_status_next", "status", "next_attempt_at", "id"),
        Index("ix_phone_messages_region_status", "region_id", "status"),
        Index("ix_phone_messages_remote_ref", "medium", "remote_ref"),
        Index("ix_phone_messages_recipient", "recipient", "id"),
    )

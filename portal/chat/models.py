"""What the chat intake keeps: one conversation per number and medium, every inbound
message's provider id (webhooks come more than once), and photos waiting for a report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class ChatConversation(db.Model):
    __tablename__ = "chat_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    medium: Mapped[str] = mapped_column(String(10))  # whatsapp | sms
    msisdn: Mapped[str] = mapped_column(String(16))
    # Where the dialogue stands ("idle" between reports) and what it gathered so far.
    step: Mapped[str] = mapped_column(String(20), default="idle")
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    locale: Mapped[str] = mapped_column(String(5), default="id")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # WhatsApp lets a business answer in free text for 24 hours after the citizen's last
    # message; after that only approved templates.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    photos: Mapped[list[ChatDraftPhoto]] = relationship(
        back_populates="conversation", order_by="ChatDraftPhoto.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012
    __table_args__ = (UniqueConstraint("medium", "msisdn", name="uq_chat_conversations_number"),)


class ChatInbound(db.Model):
    """One row per provider message id: a webhook delivered twice is handled once."""

    __tablename__ = "chat_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    medium: Mapped[str] = mapped_column(String(10))
    provider_id: Mapped[str] = mapped_column(String(128))
    msisdn: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(12))  # text | image | button | other
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))

    __table_args__ = (
        UniqueConstraint("medium", "provider_id", name="uq_chat_inbound_provider_id"),
        # the per-number flood count: this number's messages in the last minutes
        Index("ix_chat_inbound_number_time", "msisdn", "received_at"),
    )


class ChatDraftPhoto(db.Model):
    """A photo sent mid-conversation, already re-encoded, until the report is filed (then
    it moves to the upload folder like a web photo) or the conversation ends."""

    __tablename__ = "chat_draft_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conversation: Mapped[ChatConversation] = relationship(back_populates="photos")

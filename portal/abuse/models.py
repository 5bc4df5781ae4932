"""The abuse list and its audit trail (migration 0010)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

REFUSE = "refuse"
QUARANTINE = "quarantine"
ACTIONS = (REFUSE, QUARANTINE)
ADDED, REMOVED = "add", "remove"


class AbuseEntry(db.Model):
    """One blocked phone number, e-mail address or client address of one region."""

    __tablename__ = "abuse_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # phone | email | address
    value_hash: Mapped[str] = mapped_column(String(64))  # hex HMAC-SHA256, never the value
    action: Mapped[str] = mapped_column(String(12))  # refuse | quarantine
    note: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_email: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # Intake looks up the (at most three) digests of a report in its region.
        UniqueConstraint("region_id", "kind", "value_hash", name="uq_abuse_entries_value"),
    )


class AbuseChange(db.Model):
    """Who added or removed which entry, when and why: kept when the entry is gone."""

    __tablename__ = "abuse_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[str] = mapped_column(String(40))
    change: Mapped[str] = mapped_column(String(10))  # add | remove
    entry_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: entries go
    kind: Mapped[str] = mapped_column(String(10))
    value_hash: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_email: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_abuse_changes_region", "region_id", "id"),)

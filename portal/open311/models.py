"""API keys of client applications and the record of every report POST (migration 0015)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class ApiKey(db.Model):
    """One client application's key. Only a SHA-256 of the key is kept (keys are 32 random
    bytes, so a plain hash is enough and a lookup costs one indexed read); the key itself
    is printed once, when it is made. Revoked keys stay, so old reports keep their name."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, shown in lists so an operator can tell keys apart.
    key_prefix: Mapped[str] = mapped_column(String(12))
    # Space-separated region ids the key may file into and read unpublished own reports of;
    # empty means every region (only a super-admin makes such a key).
    regions: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str | None] = mapped_column(String(254))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_email: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_email: Mapped[str | None] = mapped_column(String(255))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def region_ids(self) -> tuple[str, ...]:
        return tuple((self.regions or "").split())

    def may_file_in(self, region_id: str) -> bool:
        return not self.region_ids or region_id in self.region_ids


class ApiPost(db.Model):
    """One POST /open311/v2/requests, whatever its outcome: who sent what, when, and what
    came of it. `token` is the GeoReport token the client may look up later."""

    __tablename__ = "api_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    service_code: Mapped[str | None] = mapped_column(String(20))
    # created | replay | invalid | refused | forbidden | rate-limited | media | error
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)  # the error codes, never personal data
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)

    api_key: Mapped[ApiKey | None] = relationship()

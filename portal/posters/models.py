"""The poster registry: every batch of posters generated, and which counters it covered.

Kept so staff can see what is hanging where, and so a later change to the routing file
(a unit renamed, merged or closed) can warn that posters for that unit are out there. The
signing key id is kept too: a key may only be retired once no poster signed with it is up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

ORIGIN_WEB = "web"
ORIGIN_CLI = "cli"


class PosterBatch(db.Model):
    __tablename__ = "poster_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    origin: Mapped[str] = mapped_column(String(8))  # "web" or "cli"
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    size: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(8))
    key_id: Mapped[str] = mapped_column(String(8))  # QR signing key of every poster in it
    routing_version: Mapped[str] = mapped_column(String(16))
    selection: Mapped[str] = mapped_column(String(200))  # what was asked for, for people
    poster_count: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[str | None] = mapped_column(Text)  # one per line, e.g. a broken logo

    created_by = relationship("User", lazy="joined")
    items: Mapped[list[PosterItem]] = relationship(
        back_populates="batch", order_by="PosterItem.page", cascade="all, delete-orphan"
    )

    def poster_id(self, page: int) -> str:
        """The id printed in a poster's footer: batch number, then page number."""
        return f"{self.id}-{page}"


class PosterItem(db.Model):
    """One poster of a batch: a service point, by the IDs its QR code carries."""

    __tablename__ = "poster_items"
    __table_args__ = (
        Index("ix_poster_items_agency_unit", "agency_id", "unit_id"),
        Index("ix_poster_items_region_id", "region_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("poster_batches.id"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    region_id: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[str] = mapped_column(String(40))
    service_id: Mapped[str] = mapped_column(String(40))
    short_code: Mapped[str] = mapped_column(String(8))

    batch: Mapped[PosterBatch] = relationship(back_populates="items")

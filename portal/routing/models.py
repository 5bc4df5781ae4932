"""Routing versions: every activation of the routing file is one row, never updated.

The newest row is the active routing. Its `id` is the version number an admin sees, given
as parent + 1 rather than by a sequence, so two admins activating edits of the same
version collide on the primary key instead of one silently overwriting the other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

SOURCE_FILE = "file"  # imported from ROUTING_FILE on first start
SOURCE_WEB = "web"  # the "Aturan Rute" editor
SOURCE_CLI = "cli"  # flask routing apply
SOURCE_ROLLBACK = "rollback"  # a copy of an older version


class RoutingVersion(db.Model):
    __tablename__ = "routing_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    parent_id: Mapped[int | None] = mapped_column(Integer)  # the version this edit started from
    restored_from_id: Mapped[int | None] = mapped_column(Integer)  # rollback: the copied one
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(254))  # e-mail, "cli" or the file name
    source: Mapped[str] = mapped_column(String(8))
    region_id: Mapped[str | None] = mapped_column(String(40))  # the part edited; None: all
    comment: Mapped[str] = mapped_column(Text, default="")

    @property
    def short_hash(self) -> str:
        """The 12 hex digits complaints record as `routing_version`."""
        return self.content_hash[:12]

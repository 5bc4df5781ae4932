"""The audit trail: one row per sensitive action, never changed or removed.

Rows are written in the same transaction as the change they record (a change that rolls
back leaves no entry), except refused sign-ins, which are committed on their own. The
database itself refuses UPDATE and DELETE on the table (portal/audit/append_only.py), so
not even a bug in the portal can rewrite history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who: the account (kept as id and e-mail, so the entry reads the same after the
    # account changes), "cli:<os user>" for the command line, or nobody (a refused sign-in).
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(64))  # the client address, if any
    action: Mapped[str] = mapped_column(String(40), index=True)  # portal/audit/actions.py
    # What it was done to: "user", "routing", "api_key", "abuse", "case", … and a label a
    # reader recognises (the account's e-mail, the key's name, the routing version).
    target_kind: Mapped[str | None] = mapped_column(String(20))
    target_id: Mapped[str | None] = mapped_column(String(40))
    target_label: Mapped[str | None] = mapped_column(String(254))
    # Where it happened, for scoping the page like every staff query (reach_of): a change
    # to a region's account or routing carries that region; a super admin's own sign-in
    # carries none and is seen only by super admins.
    region_id: Mapped[str | None] = mapped_column(String(40))
    agency_id: Mapped[str | None] = mapped_column(String(40))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    detail_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_audit_log_region_at", "region_id", "at"),)

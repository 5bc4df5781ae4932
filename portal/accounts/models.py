"""Staff accounts. Citizens have none: they follow a case by its private link."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[str | None] = mapped_column(String(40))
    agency_id: Mapped[str | None] = mapped_column(String(40))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every session remembers the generation it signed in under; adding one ends them all
    # (sign-out, password change, disable/enable, "sign out everywhere").
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts through this
        return bool(self.active)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: "id:generation", so a session (or a copy
        of its cookie) from before the last generation bump no longer finds its account."""
        return f"{self.id}:{self.session_generation or 0}"


class LoginThrottle(db.Model):
    """Failed sign-ins per e-mail and per client address, shared by every app host."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "email:…" or "ip:…"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

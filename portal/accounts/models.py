"""Staff accounts. Citizens have none: they follow a case by its private link."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
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
    # The language of this person's staff e-mails (and pages, until they pick another).
    locale: Mapped[str] = mapped_column(String(5), default="id", server_default="id")
    # Notice kinds (portal/accounts/notices.py) this person turned off, comma-separated.
    notices_off: Mapped[str] = mapped_column(Text, default="", server_default="")
    # An invited account has no usable password until its invitation link is used.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(Integer)
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP (portal/accounts/totp.py): the secret sealed with the app's key, the moment the
    # person proved their app shows the right codes, and the last time step accepted (a
    # code is good once: the same or an earlier step is refused).
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts through this
        return bool(self.active)

    @property
    def invitation_pending(self) -> bool:
        """Invited, and the link not used yet: the account cannot sign in."""
        return self.invited_at is not None and self.password_set_at is None

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret) and self.totp_confirmed_at is not None

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


class AccountToken(db.Model):
    """A single-use link for an invitation or a password reset. The link's token is an
    HMAC of `nonce` under the app's SECRET_KEY, rebuilt when the e-mail is rendered; the
    database keeps the nonce and a SHA-256 of the token, so a database copy opens nothing."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # "invite" or "reset"
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(db.Model):
    """One-time codes for signing in without the authenticator app (a lost phone)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

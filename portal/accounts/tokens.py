"""Single-use links for invitations and password resets.

The link carries 256 random bits; the database keeps only their SHA-256, so a copy of the
database (a backup, a leaked dump) opens no account. A new link of a purpose ends the
account's earlier unused links of that purpose (a resent invitation makes the first one
dead), and using one ends every other open link of the account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.accounts.models import AccountToken, User
from portal.extensions import db
from portal.timeutil import utcnow

INVITE = "invite"
RESET = "reset"
PURPOSES = (INVITE, RESET)
TOKEN_BYTES = 32
# What a link may look like at all: urlsafe base64 of TOKEN_BYTES. Anything else is refused
# before the database is asked.
MAX_TOKEN_LENGTH = 64


class TokenRefused(Exception):
    """Why a link does not work: "unknown" (never issued, mistyped, forged), "expired",
    "used" (or replaced by a newer link), "inactive" (the account was disabled)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Issued:
    token: str  # goes into the link, never stored
    expires_at: datetime


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(
    user: User,
    purpose: str,
    valid_for: timedelta,
    *,
    created_by_id: int | None = None,
    now: datetime | None = None,
) -> Issued:
    """A new link for the account (the caller commits); earlier open links of the same
    purpose stop working."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = now or utcnow()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = AccountToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=digest(token),
        created_at=now,
        expires_at=now + valid_for,
        created_by_id=created_by_id,
    )
    db.session.add(row)
    return Issued(token=token, expires_at=row.expires_at)


def _find(token: str, purpose: str) -> AccountToken | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    stmt = select(AccountToken).where(
        AccountToken.token_hash == digest(token), AccountToken.purpose == purpose
    )
    return db.session.execute(stmt).scalar_one_or_none()


def check(token: str, purpose: str, *, now: datetime | None = None) -> tuple[AccountToken, User]:
    """The open link and its account, without using it up (to show the form); raises
    TokenRefused with the reason."""
    now = now or utcnow()
    row = _find(token, purpose)
    if row is None:
        raise TokenRefused("unknown")
    if row.used_at is not None:
        raise TokenRefused("used")
    if row.expires_at <= now:
        raise TokenRefused("expired")
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        raise TokenRefused("inactive")
    return row, user


def use(token: str, purpose: str, *, now: datetime | None = None) -> User:
    """Use the link up (the caller commits with the change it allows). Atomic: of two
    requests with one link, exactly one gets the account; every other open link of the
    account ends too."""
    now = now or utcnow()
    row, user = check(token, purpose, now=now)
    taken = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    if taken.rowcount != 1:
        raise TokenRefused("used")
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    return user

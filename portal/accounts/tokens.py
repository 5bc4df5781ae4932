"""Single-use links for invitations and password resets.

The link's token is HMAC-SHA256(SECRET_KEY, purpose:nonce), 256 bits. The database keeps
the random nonce and a SHA-256 of the token: a copy of the database (a backup, a leaked
dump) opens no account, and the outbox row of the e-mail keeps only the token row's id;
the link is rebuilt when the e-mail is rendered (`link_token`), as the private link is.

A new link of a purpose ends the account's earlier open links of that purpose (a resent
invitation kills the first one), and using one ends every other open link of the account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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
# A token is 43 characters of urlsafe base64; anything longer is refused before the
# database is asked.
MAX_TOKEN_LENGTH = 64


class TokenRefused(Exception):
    """Why a link does not work: "unknown" (never issued, mistyped, forged), "expired",
    "used" (or replaced by a newer link), "inactive" (the account was disabled)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Issued:
    row: AccountToken
    token: str  # goes into the link; never stored
    expires_at: datetime


def _token(secret_key: str, purpose: str, nonce: str) -> str:
    mac = hmac.new(secret_key.encode(), f"account-link:{purpose}:{nonce}".encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_token(row: AccountToken, secret_key: str) -> str:
    """The token of a link row, rebuilt (for rendering its e-mail)."""
    return _token(secret_key, row.purpose, row.nonce)


def issue(
    user: User,
    purpose: str,
    valid_for: timedelta,
    secret_key: str,
    *,
    created_by_id: int | None = None,
    now: datetime | None = None,
) -> Issued:
    """A new link for the account (added to the session; the caller commits); earlier
    open links of the same purpose stop working."""
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
    nonce = secrets.token_hex(16)
    token = _token(secret_key, purpose, nonce)
    row = AccountToken(
        user_id=user.id,
        purpose=purpose,
        nonce=nonce,
        token_hash=digest(token),
        created_at=now,
        expires_at=now + valid_for,
        created_by_id=created_by_id,
    )
    db.session.add(row)
    db.session.flush()  # the e-mail's outbox row names this row's id
    return Issued(row=row, token=token, expires_at=row.expires_at)


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
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:  # said first: disabling ends the links too
        raise TokenRefused("inactive")
    if row.used_at is not None:
        raise TokenRefused("used")
    if row.expires_at <= now:
        raise TokenRefused("expired")
    return row, user


def end_open(user: User, *, now: datetime | None = None) -> None:
    """Every open link of the account stops working (the caller commits): a password set
    another way (own page, the shell) must not leave a reset or invitation link that could
    set it again behind the owner's back."""
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=now or utcnow())
    )


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

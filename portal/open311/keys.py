"""API keys of Open311 client applications: made, found, revoked.

A key is shown once, when it is made; only its SHA-256 is stored. Keys are 32 random
bytes, so a plain hash resists guessing as well as a slow one would, and finding the key
of a request costs one indexed read. A key is scoped to regions (empty: every region,
which only a super-admin may make); revoking keeps the row, so reports filed with it
keep the application's name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.open311.models import ApiKey
from portal.timeutil import utcnow

KEY_PREFIX = "al311_"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
KEY_RE = re.compile(r"^al311_[A-Za-z0-9_-]{43}$")


class ApiKeyRefused(ValueError):
    """A key that cannot be made or revoked; the message says why (for the CLI and page)."""


def key_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_key(
    name: str,
    regions: Iterable[str],
    *,
    known_regions: Iterable[str],
    created_by_id: int | None = None,
    created_by_email: str = "",
    contact: str | None = None,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key (committed) and its plaintext, which is never stored or shown again.

    `regions` empty means every region. Names are lower-case, unique, 2–60 characters.
    """
    name = (name or "").strip().lower()
    if not NAME_RE.match(name):
        raise ApiKeyRefused(
            f"name {name!r}: use 2-60 lower-case letters, digits, '.', '_' or '-' "
            "(e.g. 'kota-banjarmasin-app')"
        )
    wanted = sorted({r.strip().lower() for r in regions if r.strip()})
    unknown = sorted(set(wanted) - set(known_regions))
    if unknown:
        raise ApiKeyRefused(f"unknown region(s): {', '.join(unknown)}")
    if db.session.execute(select(ApiKey.id).where(ApiKey.name == name)).first():
        raise ApiKeyRefused(
            f"a key named {name!r} already exists (names stay taken after revoking)"
        )
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        key_hash=key_hash(plaintext),
        key_prefix=plaintext[:10],
        regions=" ".join(wanted),
        contact=(contact or "").strip() or None,
        created_by_id=created_by_id,
        created_by_email=created_by_email,
        created_at=now or utcnow(),
    )
    db.session.add(key)
    db.session.commit()
    return key, plaintext


def find_active_key(plaintext: str | None) -> ApiKey | None:
    """The unrevoked key a request carries, or None (missing, malformed, unknown, revoked)."""
    if not plaintext or not KEY_RE.match(plaintext):
        return None
    digest = key_hash(plaintext)
    key = db.session.execute(select(ApiKey).where(ApiKey.key_hash == digest)).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        return None
    # the index found it; compare in constant time all the same
    return key if hmac.compare_digest(key.key_hash, digest) else None


def revoke_key(name: str, *, by_email: str = "", now: datetime | None = None) -> ApiKey:
    """Revoke (committed); revoking a revoked key is refused, so the first date stays."""
    key = db.session.execute(
        select(ApiKey).where(ApiKey.name == (name or "").strip().lower())
    ).scalar_one_or_none()
    if key is None:
        raise ApiKeyRefused(f"no key named {name!r}")
    if key.revoked_at is not None:
        raise ApiKeyRefused(f"key {key.name!r} was already revoked")
    key.revoked_at = now or utcnow()
    key.revoked_by_email = by_email
    db.session.commit()
    return key

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
from collections.abc import Callable, Iterable
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit import actions
from portal.audit.record import Actor, record
from portal.extensions import db
from portal.open311.models import ApiKey
from portal.timeutil import utcnow

KEY_PREFIX = "al311_"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
KEY_RE = re.compile(r"^al311_[A-Za-z0-9_-]{43}$")
CONTACT_MAX = 254  # the column's size; a longer address would fail on PostgreSQL


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; it is translated where shown."""
    return message


BAD_NAME = N_(
    "Nama “%(name)s” tidak dapat dipakai: gunakan 2–60 huruf kecil, angka, '.', '_' atau '-' "
    "(mis. kota-banjarmasin-app)."
)
UNKNOWN_REGIONS = N_("Wilayah tidak dikenal: %(regions)s.")
NAME_TAKEN = N_(
    "Sudah ada kunci bernama “%(name)s” (nama tetap terpakai setelah kuncinya dicabut)."
)
BAD_CONTACT = N_("Kontak harus berupa satu alamat surel, mis. tim-ti@banjarmasinkota.go.id.")
NO_SUCH_KEY = N_("Tidak ada kunci bernama “%(name)s”.")
ALREADY_REVOKED = N_("Kunci “%(name)s” sudah dicabut.")


class ApiKeyRefused(ValueError):
    """A key that cannot be made or revoked. `field` names the input at fault (for a form
    or a CLI option); the message is an Indonesian message id, so the page and the CLI can
    say it in their reader's language (`render`); str() is the Indonesian text."""

    def __init__(self, field: str, message: str, **params: str):
        self.field = field
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)

    def render(self, translate: Callable[..., str]) -> str:
        """The reason in the reader's language, e.g. `exc.render(flask_babel.gettext)`."""
        return translate(self.message, **self.params)


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
    actor: Actor | None = None,
) -> tuple[ApiKey, str]:
    """A new key (committed, with its audit entry) and its plaintext, which is never stored
    or shown again.

    `regions` empty means every region; a blank entry among them is refused rather than
    dropped, so a slip never widens a key to every region. Names are lower-case, unique,
    2–60 characters. `contact`: optional, one e-mail address of the application's team.
    `actor`: who made it, from where (default: the created_by values, no address).
    """
    name = (name or "").strip().lower()
    if not NAME_RE.match(name):
        raise ApiKeyRefused("name", BAD_NAME, name=name)
    wanted = sorted({r.strip().lower() for r in regions})
    known = set(known_regions)
    unknown = [r or "''" for r in wanted if r not in known]
    if unknown:
        raise ApiKeyRefused("region", UNKNOWN_REGIONS, regions=", ".join(unknown))
    contact = _checked_contact(contact)
    if db.session.execute(select(ApiKey.id).where(ApiKey.name == name)).first():
        raise ApiKeyRefused("name", NAME_TAKEN, name=name)
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        key_hash=key_hash(plaintext),
        key_prefix=plaintext[:10],
        regions=" ".join(wanted),
        contact=contact,
        created_by_id=created_by_id,
        created_by_email=created_by_email,
        created_at=now or utcnow(),
    )
    db.session.add(key)
    actor = actor or Actor(user_id=created_by_id, email=created_by_email or None)
    try:
        db.session.flush()  # the key's id, for its audit entry
        _record(actions.API_KEY_CREATED, key, actor, now, contact=contact)
        db.session.commit()
    except IntegrityError:  # the same name, made at the same moment by someone else
        db.session.rollback()
        raise ApiKeyRefused("name", NAME_TAKEN, name=name) from None
    return key, plaintext


def _checked_contact(contact: str | None) -> str | None:
    contact = (contact or "").strip()
    if not contact:
        return None
    if len(contact) > CONTACT_MAX:
        raise ApiKeyRefused("contact", BAD_CONTACT)
    try:
        validate_email(contact, check_deliverability=False)
    except EmailNotValidError:
        raise ApiKeyRefused("contact", BAD_CONTACT) from None
    return contact


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


def revoke_key(
    name: str, *, by_email: str = "", now: datetime | None = None, actor: Actor | None = None
) -> ApiKey:
    """Revoke (committed, with its audit entry); revoking a revoked key is refused, so the
    first date stays."""
    key = db.session.execute(
        select(ApiKey).where(ApiKey.name == (name or "").strip().lower())
    ).scalar_one_or_none()
    if key is None:
        raise ApiKeyRefused("name", NO_SUCH_KEY, name=(name or "").strip())
    if key.revoked_at is not None:
        raise ApiKeyRefused("name", ALREADY_REVOKED, name=key.name)
    key.revoked_at = now or utcnow()
    key.revoked_by_email = by_email
    _record(actions.API_KEY_REVOKED, key, actor or Actor(email=by_email or None), now)
    db.session.commit()
    return key


def _record(action: str, key: ApiKey, actor: Actor, now: datetime | None, **detail) -> None:
    """The key's audit entry, never its value: placed in its region when it has exactly
    one (that region's admin manages it), else in none (only super admins hold it)."""
    regions = key.region_ids
    record(
        action,
        actor,
        target_kind=actions.API_KEY,
        target_id=key.id,
        target_label=key.name,
        region_id=regions[0] if len(regions) == 1 else None,
        detail={"regions": list(regions), **{k: v for k, v in detail.items() if v}},
        at=now,
    )

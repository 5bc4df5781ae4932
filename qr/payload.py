"""Signed, short QR payloads that name a service point by ID, never by destination.

Wire form (always upper case, so the whole poster URL fits QR alphanumeric mode)::

    RSUD-ULIN.POLI-UMUM.PENDAFTARAN.K1.7QX3M4ZB2KD6WQAE
    <agency>.<unit>.<service>.<key id>.<tag>

IDs are slugs ``[a-z0-9-]`` sent upper-cased; "." separates the fields because it is in
the alphanumeric set, is never part of a slug and needs no escaping in a URL path.

The tag is HMAC-SHA256 truncated to 10 bytes (80 bits), written as 16 characters of
RFC 4648 base32 (A-Z 2-7, no padding). Why 80 bits: a forger can only test guesses online
against our server, so 2**-80 per attempt is far beyond reach, while every extra byte costs
1.6 characters and can push the code to a larger QR version that a cheap phone reads less
reliably at arm's length. 80 bits is also exactly 16 base32 characters, so there are no
spare padding bits: every character of the tag is significant and any edit is refused.

The HMAC covers a canonical lower-case message with a domain-separation prefix and the key
id, so a tag made under one key id cannot be replayed under another one, nor confused with
any other HMAC the portal computes with the same secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

SEPARATOR = "."
TAG_BYTES = 10
TAG_CHARS = 16  # base32 of TAG_BYTES, no padding
MIN_SECRET_BYTES = 16
MAX_SLUG_CHARS = 64
_DOMAIN = b"aduan-langsung/qr-payload/v1"

_SLUG = re.compile(rf"[a-z0-9-]{{1,{MAX_SLUG_CHARS}}}")
_KEY_ID = re.compile(r"[A-Z0-9]{1,4}")
_TAG = re.compile(rf"[A-Z2-7]{{{TAG_CHARS}}}")
_MAX_PAYLOAD_CHARS = 3 * MAX_SLUG_CHARS + 4 + TAG_CHARS + 4

Reason = Literal["malformed", "unknown-key", "bad-signature"]


class InvalidPayload(Exception):
    """A scanned payload we refuse; `reason` says why (for logs and metrics, not users)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


@dataclass(frozen=True)
class ServiceRef:
    """The three IDs a poster carries (lower-case slugs)."""

    agency: str
    unit: str
    service: str

    def __post_init__(self) -> None:
        for name in ("agency", "unit", "service"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _SLUG.fullmatch(value):
                raise ValueError(
                    f"{name} id must be 1-{MAX_SLUG_CHARS} characters of [a-z0-9-], got {value!r}"
                )


@dataclass(frozen=True)
class SigningKeys:
    """The HMAC secrets accepted for QR payloads and the one that signs new codes.

    Several keys are accepted at once so keys can rotate without reprinting posters: add a
    new key (it becomes active), keep the old one until its posters are replaced.
    The repr never shows secrets.
    """

    keys: Mapping[str, bytes] = field(repr=False)
    active: str

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("at least one QR signing key is required")
        for kid, secret in self.keys.items():
            _check_key(kid, secret)
        if self.active not in self.keys:
            raise ValueError(f"active key id {self.active!r} is not among {sorted(self.keys)}")
        # Freeze the mapping so a shared instance cannot be altered behind our back.
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    def __repr__(self) -> str:
        return f"SigningKeys(key_ids={sorted(self.keys)!r}, active={self.active!r})"

    @classmethod
    def parse(cls, spec: str) -> SigningKeys:
        """Read the environment-variable form of the keys.

        Format: comma-separated ``KEYID:SECRET`` entries, optionally followed by
        ``;active=KEYID``. Without that suffix the LAST entry is the active (signing) key,
        so rotating is "append a new entry". Key ids are 1-4 characters of [A-Z0-9]
        (case-insensitive, stored upper case); secrets are taken as UTF-8 bytes, must be at
        least 16 bytes long, may contain ":" but not "," or ";". Whitespace around entries
        is ignored. Example: ``"K1:old-secret-0123456789,K2:new-secret-0123456789"``.
        """
        body, sep, suffix = spec.partition(";")
        active: str | None = None
        if sep:
            name, eq, value = suffix.strip().partition("=")
            if name.strip() != "active" or not eq or not value.strip():
                raise ValueError(
                    f"QR signing keys: expected ';active=KEYID' after the keys, got {suffix!r}"
                )
            active = value.strip().upper()
        keys: dict[str, bytes] = {}
        last: str | None = None
        for entry in body.split(","):
            entry = entry.strip()
            if not entry:
                raise ValueError(
                    "QR signing keys: empty entry; expected 'KEYID:SECRET[,KEYID:SECRET...]'"
                )
            kid, colon, secret = entry.partition(":")
            kid = kid.strip().upper()
            if not colon:
                raise ValueError(
                    f"QR signing keys: entry for {kid!r} has no ':'; expected 'KEYID:SECRET'"
                )
            if kid in keys:
                raise ValueError(f"QR signing keys: key id {kid!r} is listed twice")
            keys[kid] = secret.strip().encode("utf-8")
            _check_key(kid, keys[kid])
            last = kid
        assert last is not None  # body.split always yields at least one entry
        return cls(keys=keys, active=active if active is not None else last)


def _check_key(kid: str, secret: bytes) -> None:
    if not isinstance(kid, str) or not _KEY_ID.fullmatch(kid):
        raise ValueError(f"QR signing key id must be 1-4 characters of [A-Z0-9], got {kid!r}")
    if not secret:
        raise ValueError(f"QR signing key {kid!r} has an empty secret")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(
            f"QR signing key {kid!r} is too short: {len(secret)} bytes, "
            f"need at least {MIN_SECRET_BYTES}"
        )


def _tag(ref: ServiceRef, kid: str, secret: bytes) -> bytes:
    message = b"\n".join(
        part.encode("ascii") for part in (kid.lower(), ref.agency, ref.unit, ref.service)
    )
    return hmac.new(secret, _DOMAIN + b"\n" + message, hashlib.sha256).digest()[:TAG_BYTES]


def encode(ref: ServiceRef, keys: SigningKeys) -> str:
    """The upper-case payload for `ref`, signed with the active key."""
    kid = keys.active
    tag = base64.b32encode(_tag(ref, kid, keys.keys[kid])).decode("ascii")
    return SEPARATOR.join((ref.agency.upper(), ref.unit.upper(), ref.service.upper(), kid, tag))


def decode(payload: str, keys: SigningKeys) -> ServiceRef:
    """The service point a payload names, if its tag verifies under one of `keys`.

    Any letter case is accepted (some scanners lower-case URLs). Raises InvalidPayload
    with reason "malformed", "unknown-key" or "bad-signature".
    """
    # ASCII first: str.upper() folds some non-ASCII letters (e.g. "ﬁ") into ASCII ones.
    if not isinstance(payload, str) or not payload.isascii() or len(payload) > _MAX_PAYLOAD_CHARS:
        raise InvalidPayload("malformed")
    parts = payload.upper().split(SEPARATOR)
    if len(parts) != 5:
        raise InvalidPayload("malformed")
    agency, unit, service, kid, tag_text = parts
    if not (_KEY_ID.fullmatch(kid) and _TAG.fullmatch(tag_text)):
        raise InvalidPayload("malformed")
    try:
        ref = ServiceRef(agency.lower(), unit.lower(), service.lower())
    except ValueError:
        raise InvalidPayload("malformed") from None
    secret = keys.keys.get(kid)
    if secret is None:
        raise InvalidPayload("unknown-key")
    given = base64.b32decode(tag_text)
    if not hmac.compare_digest(given, _tag(ref, kid, secret)):
        raise InvalidPayload("bad-signature")
    return ref

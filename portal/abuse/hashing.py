"""Normalising and hashing what the abuse list matches on. Pure: no Flask, no database.

Entries are stored as HMAC-SHA256 digests under a key derived from the app's SECRET_KEY,
never as the number or address itself: a copy of the database does not hand out the
blocked people's contact details, and (the key being secret) the digests cannot be
reversed by hashing every phone number. Values are normalised first so that the ways
people type the same number or address match one entry.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re

from portal.phone_numbers import InvalidNumber, msisdn

PHONE = "phone"
EMAIL = "email"
ADDRESS = "address"
KINDS = (PHONE, EMAIL, ADDRESS)

_KEY_LABEL = b"aduan-langsung/abuse-list/v1"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidValue(ValueError):
    """The value cannot be what its kind says (no digits for a phone, no @ in an e-mail)."""


def derive_key(secret_key: str) -> bytes:
    """A key of its own for the abuse list, so its digests say nothing about other uses
    of SECRET_KEY (sessions, private links)."""
    return hmac.new(secret_key.encode(), _KEY_LABEL, hashlib.sha256).digest()


def normalize_phone(text: str) -> str:
    """Indonesian numbers as 62… digits (portal.phone_numbers.msisdn), one entry for every
    way the same number is typed."""
    try:
        return msisdn(text)
    except InvalidNumber:
        raise InvalidValue("phone") from None


def normalize_email(text: str) -> str:
    value = (text or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise InvalidValue("email")
    return value


def normalize_address(text: str) -> str:
    """An IPv4 or IPv6 address in its canonical form (an IPv4-mapped IPv6 as the IPv4)."""
    try:
        address = ipaddress.ip_address((text or "").strip())
    except ValueError as exc:
        raise InvalidValue("address") from exc
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.compressed


NORMALIZERS = {PHONE: normalize_phone, EMAIL: normalize_email, ADDRESS: normalize_address}


def normalize(kind: str, text: str) -> str:
    if kind not in NORMALIZERS:
        raise InvalidValue(kind)
    return NORMALIZERS[kind](text)


def digest(key: bytes, kind: str, normalized: str) -> str:
    """The stored form of a normalised value: hex HMAC over kind and value."""
    return hmac.new(key, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()


def digest_of(key: bytes, kind: str, text: str) -> str | None:
    """The digest of what a citizen typed, or None when it is no valid value of the kind
    (nothing to match: an empty phone field blocks nobody)."""
    try:
        return digest(key, kind, normalize(kind, text))
    except InvalidValue:
        return None

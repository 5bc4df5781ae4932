"""Time-based one-time codes (RFC 6238) for the second sign-in step. Pure: no Flask, no db.

The secret an authenticator app holds is stored sealed under the app's SECRET_KEY: a
random nonce, the secret XORed with a keystream of HMAC-SHA256(key, nonce, block), and a
tag over both, in base64. A copy of the database without SECRET_KEY yields no second
factor, and a sealed value changed or sealed under another key is refused, not misread.

A code is good for its 30-second step and one step either side (a phone's clock a little
off), and only once: `verify` refuses any step at or before the last one accepted, so a
code seen over a shoulder or replayed from a proxy log opens nothing, even within its
window. Every function takes the time (`now`) and the key explicitly, so tests freeze the
clock by passing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import UTC, datetime

import pyotp

ISSUER = "Aduan Langsung"
DIGITS = 6
INTERVAL = 30  # seconds per step: what every authenticator app assumes
VALID_WINDOW = 1  # steps accepted either side of the current one
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends: 32 base32 characters
GROUP = 4

_VERSION = "s1"
_NONCE_BYTES = 16
_TAG_BYTES = 16
_PURPOSE_STREAM = b"aduan-derived-key:totp-seal-stream"
_PURPOSE_TAG = b"aduan-derived-key:totp-seal-tag"
_NOT_CODE = re.compile(r"[\s\-‐-―−_.·]+")


class SealBroken(ValueError):
    """A sealed secret that does not open under this key (changed, or another SECRET_KEY)."""


def new_secret() -> str:
    """A fresh base32 secret for one account's authenticator app."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def grouped(secret: str) -> str:
    """The secret in groups of four, the way a person types it into an app by hand."""
    return " ".join(secret[i : i + GROUP] for i in range(0, len(secret), GROUP))


def _subkey(key: str | bytes, purpose: bytes) -> bytes:
    raw = key.encode() if isinstance(key, str) else key
    return hmac.new(raw, purpose, hashlib.sha256).digest()


def _keystream(key: str | bytes, nonce: bytes, size: int) -> bytes:
    stream_key = _subkey(key, _PURPOSE_STREAM)
    blocks, counter = [], 0
    while sum(len(b) for b in blocks) < size:
        blocks.append(hmac.new(stream_key, nonce + counter.to_bytes(4, "big"), "sha256").digest())
        counter += 1
    return b"".join(blocks)[:size]


def _tag(key: str | bytes, nonce: bytes, body: bytes) -> bytes:
    return hmac.new(_subkey(key, _PURPOSE_TAG), nonce + body, "sha256").digest()[:_TAG_BYTES]


def seal(key: str | bytes, secret: str, *, nonce: bytes | None = None) -> str:
    """The secret as it is stored: "s1:" + base64(nonce, secret XOR keystream, tag)."""
    nonce = nonce if nonce is not None else secrets.token_bytes(_NONCE_BYTES)
    plain = secret.encode("ascii")
    body = bytes(a ^ b for a, b in zip(plain, _keystream(key, nonce, len(plain)), strict=True))
    packed = base64.urlsafe_b64encode(nonce + body + _tag(key, nonce, body)).decode("ascii")
    return f"{_VERSION}:{packed}"


def unseal(key: str | bytes, sealed: str) -> str:
    """The secret inside a sealed value; SealBroken when it is not one sealed under `key`."""
    version, sep, packed = (sealed or "").partition(":")
    if version != _VERSION or not sep:
        raise SealBroken("not a sealed TOTP secret")
    try:
        raw = base64.urlsafe_b64decode(packed.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise SealBroken("not base64") from exc
    if len(raw) <= _NONCE_BYTES + _TAG_BYTES:
        raise SealBroken("too short")
    nonce, body, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(key, nonce, body)):
        raise SealBroken("sealed under another key, or changed")
    plain = bytes(a ^ b for a, b in zip(body, _keystream(key, nonce, len(body)), strict=True))
    return plain.decode("ascii")


def step_at(now: datetime) -> int:
    """The 30-second step `now` falls in (Unix time // 30)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return int(now.timestamp()) // INTERVAL


def code_at(secret: str, step: int) -> str:
    """The six digits an app shows for `step`."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).generate_otp(step)


def normalize_code(typed: str | None) -> str | None:
    """Six digits out of what was typed (spaces, a dash, full-width digits), or None."""
    text = _NOT_CODE.sub("", unicodedata.normalize("NFKC", typed or ""))
    if len(text) != DIGITS or not text.isascii() or not text.isdigit():
        return None
    return text


def verify(secret: str, typed: str | None, now: datetime, last_step: int | None) -> int | None:
    """The step the typed code belongs to (now's step, or one either side), or None.

    A step at or before `last_step` (the last code accepted) is refused: each code is good
    once. The caller stores the returned step as the new last one, atomically (an UPDATE
    that only succeeds while the stored step is still smaller), so two requests carrying
    one code cannot both pass.
    """
    code = normalize_code(typed)
    if code is None:
        return None
    current = step_at(now)
    matched = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Every candidate is computed and compared, so the time taken says nothing.
        fits = hmac.compare_digest(code_at(secret, step), code)
        fresh = last_step is None or step > last_step
        if fits and fresh and matched is None:
            matched = step
    return matched


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address the QR code carries: issuer "Aduan Langsung", the account's
    e-mail as the name, so the app lists it as "Aduan Langsung (budi@…)"."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    return totp.provisioning_uri(name=email, issuer_name=ISSUER)

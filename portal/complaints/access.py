"""The private link's secret and the form's one-time key, neither stored in the clear.

A form carries a one-time submission key. The database keeps only an HMAC of it (the
*submission digest*, keyed with a key derived from SECRET_KEY) and an HMAC of the report's
normalised content (the *content digest*). The private link's token is derived from the
submission digest, so a double-tapped submit can answer the second POST with the same
link, and an e-mail rendered days later can build the link again, without any secret in the
database: the database alone yields neither a key nor a link, and the database with
SECRET_KEY yields the link (as it always did). A replay gets the receipt only when both the
key and the content match: knowing a form's key is not enough to read the report.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping


def _derived_key(secret: str, purpose: str) -> bytes:
    """One key per purpose, so a digest of one kind never doubles as another."""
    return hmac.new(secret.encode(), b"aduan-derived-key:" + purpose.encode(), "sha256").digest()


def submission_digest(secret: str, submission_key: str) -> str:
    """What the database keeps of a form's one-time key (64 hex characters)."""
    key = _derived_key(secret, "submission-key")
    return hmac.new(key, submission_key.encode(), "sha256").hexdigest()


def content_digest(secret: str, content: Mapping[str, object]) -> str:
    """An HMAC of the report's content, blanks and Unicode forms normalised.

    A back-and-resubmit of the same form gives the same digest; any other text does not.
    """
    normal = {name: _normal(value) for name, value in content.items()}
    data = json.dumps(normal, sort_keys=True, ensure_ascii=False, default=str)
    key = _derived_key(secret, "report-content")
    return hmac.new(key, data.encode(), "sha256").hexdigest()


def _normal(value: object) -> object:
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
        return text.strip() or None
    return value


def access_token_for(secret: str, digest: str) -> str:
    """The private link's token for a case whose submission digest is `digest`."""
    mac = hmac.new(secret.encode(), b"access-token:" + digest.encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()[:18]).decode().rstrip("=")


def private_link_of(base_url: str, secret: str, tracking_code: str, digest: str) -> str:
    """The citizen's private link, built when a message is rendered (e-mail, WhatsApp,
    SMS), so no outbox row ever stores its secret."""
    return f"{base_url}/lacak/{tracking_code}?t={access_token_for(secret, digest)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str, legacy_hash: str | None = None) -> bool:
    """Does the link's token open the case?

    `legacy_hash` is the hash of the token of a link e-mailed before migration 0012 (when the
    token came from the raw key); both keep working.
    """
    if not token:
        return False
    given = token_hash(token)
    ok = hmac.compare_digest(given, stored_hash)
    if legacy_hash:
        ok = hmac.compare_digest(given, legacy_hash) or ok
    return ok

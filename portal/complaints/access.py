"""The private link's secret: derived from the form's one-time key, stored only as a hash.

Deriving it (instead of drawing it at random) lets a double-tapped submit answer the second
POST with the same private link as the first, without keeping the secret in the database.
Only the browser that holds the form knows its submission key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def access_token_for(secret: str, submission_key: str) -> str:
    digest = hmac.new(secret.encode(), b"access-token:" + submission_key.encode(), "sha256")
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    if not token:
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)

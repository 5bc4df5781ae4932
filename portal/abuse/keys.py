"""The abuse list's HMAC key for this app."""

from __future__ import annotations

from flask import current_app

from portal.abuse.hashing import derive_key


def list_key() -> bytes:
    """Derived from SECRET_KEY: changing SECRET_KEY makes every entry match nothing."""
    return derive_key(current_app.config["SECRET_KEY"])

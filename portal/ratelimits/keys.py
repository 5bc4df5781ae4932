"""What a count is kept for: the client address, the browser, the text, the service point.

The address is `request.remote_addr`, which is the real client only as far as
TRUSTED_PROXIES lets ProxyFix believe X-Forwarded-For (portal/accounts/throttle.py).

The browser is a random id in a signed cookie of its own (not the staff session), set on the
first citizen page a browser opens. A request without a valid one (a script that drops
cookies, or a forged value) is counted under its address instead, in the same tight budget:
a real browser always carries the cookie by the time it posts a form, since the form's CSRF
check needs cookies too.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

from flask import Flask, Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "aduan_klien"
_SALT = "ratelimit-client-id"
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def client_id() -> str | None:
    """The browser's id from its signed cookie, or None (no cookie, or a forged one)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and value else None


def browser_key() -> str:
    """The browser, or the address for a request that carries no valid browser id."""
    found = client_id()
    return f"browser:{found}" if found else f"no-cookie:{client_address()}"


def text_fingerprint(title: str, description: str) -> str:
    """The same report however it is spaced, cased or punctuated: a hash, never the text."""
    text = unicodedata.normalize("NFKC", f"{title}\n{description}").casefold()
    words = _NOT_WORD.sub(" ", text).split()
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]


def service_point_key(ids: tuple[str, str, str]) -> str:
    return "sp:" + "/".join(ids)


def give_browser_id(app: Flask, endpoints: frozenset[str]) -> None:
    """Set the browser-id cookie on the citizen pages that a limit may later key on."""

    @app.after_request
    def _set_cookie(response: Response) -> Response:
        if request.endpoint not in endpoints or client_id() is not None:
            return response
        response.set_cookie(
            COOKIE,
            _serializer().dumps(secrets.token_urlsafe(16)),
            httponly=True,
            samesite="Lax",
            secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        )
        return response

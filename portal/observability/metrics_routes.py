"""`/metrics` for Prometheus: `Authorization: Bearer <METRICS_TOKEN>` or nothing.

Without METRICS_TOKEN configured it is refused to everyone (403: a portal must not show its
figures because someone forgot a setting); a missing or wrong token gets 401, compared in
constant time. Plain text, `Cache-Control: no-store`, no session cookie. Failed token
attempts are rate limited per address (portal/ratelimits/extension.py); a scrape with the
right token never counts. Every error under /metrics (429, 405, 503) is plain text too.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, current_app, request
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from werkzeug.wrappers import Response

from portal import machine_errors
from portal.observability.metrics import render

bp = Blueprint("metrics", __name__)
PATH = "/metrics"


def _plain(body: str, status: int, headers: dict[str, str] | None = None) -> Response:
    response = Response(body + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def bearer_token_matches(header: str, expected: str) -> bool:
    """`Bearer <token>` equal to `expected`, compared in constant time."""
    scheme, _, given = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@bp.get(PATH)
def metrics() -> Response:
    expected = current_app.config.get("METRICS_TOKEN") or ""
    if not expected:
        return _plain("metrics disabled: METRICS_TOKEN is not set", 403)
    if not bearer_token_matches(request.headers.get("Authorization", ""), expected):
        return _plain(
            "missing or wrong bearer token", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}
        )
    response = Response(render(current_app), status=200, mimetype=None)
    response.headers["Content-Type"] = CONTENT_TYPE_PLAIN_0_0_4
    response.headers["Cache-Control"] = "no-store"
    return response


def refused_token(response: Response) -> bool:
    """What the rate limit counts: a 401 (a token guess), never a good scrape."""
    return response.status_code == 401


def _plain_error(status: int, headers=None) -> Response:
    reasons = {429: "too many failed token attempts", 503: "temporarily unavailable"}
    return _plain(reasons.get(status, f"error {status}"), status, dict(headers or {}))


def init_metrics_routes(app: Flask) -> None:
    app.register_blueprint(bp)
    machine_errors.register(app, PATH, _plain_error)

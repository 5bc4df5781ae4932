"""The request id and the access line, around the whole Flask app (a WSGI middleware).

For every request: the id is chosen (request_ids.accepted_or_new) and bound before Flask
sees the request, so every line logged while it is handled carries it (error handlers and
Flask's own "Exception on …" included); it is sent back as `X-Request-ID` on every
response, whatever produced it (a page, a 404, a 413, the 503 page, /healthz); and one line
is written to the `portal.access` logger when the response is ready:

    GET /lacak/<code> 200 12.3 ms 5120 bytes

with the route *template* (request.url_rule.rule), never the path or query string, which
can carry a private link's `?t=` token or an account link's token; no client address, no
user agent, no referer (personal data, and a referer can hold a token too). `bytes` is the
Content-Length (null for a streamed answer without one); the duration ends when the
response is ready, before its body is sent (a slow client does not count).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request

from portal.observability import counters
from portal.observability.request_ids import HEADER, accepted_or_new, bind, unbind

access_log = logging.getLogger("portal.access")
ROUTE_KEY = "aduan.route"  # set in the environ by the Flask hook below
ID_KEY = "aduan.request_id"


class RequestObserver:
    """Wraps app.wsgi_app: binds the request id, adds the header, logs and measures."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], trust_inbound: bool = False):
        self.wsgi_app = wsgi_app
        # An inbound X-Request-ID is kept only behind a proxy we trust (TRUSTED_PROXIES > 0,
        # as for X-Forwarded-For): nginx overwrites it with its own. Straight from the
        # internet it is whatever the client chose, e.g. the id a citizen quoted, to mix
        # an attacker's lines (and Sentry events) into that citizen's.
        self.trust_inbound = trust_inbound

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        inbound = environ.get("HTTP_X_REQUEST_ID") if self.trust_inbound else None
        request_id = accepted_or_new(inbound)
        environ[ID_KEY] = request_id
        seen: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != HEADER.lower()]
            headers.append((HEADER, request_id))
            seen["status"] = int(status.split(" ", 1)[0])
            seen["bytes"] = next(
                (int(v) for k, v in headers if k.lower() == "content-length" and v.isdigit()),
                None,
            )
            return start_response(status, headers, exc_info)

        token = bind(request_id)
        started = time.perf_counter()
        try:
            body = self.wsgi_app(environ, start)
            _finished(environ, seen, time.perf_counter() - started)
            return body
        finally:
            unbind(token)


def _finished(environ: dict[str, Any], seen: dict[str, Any], seconds: float) -> None:
    method = environ.get("REQUEST_METHOD", "")
    route = environ.get(ROUTE_KEY)
    status = seen.get("status", 500)
    counters.observe_request(route, method, status, seconds)
    duration_ms = round(seconds * 1000, 1)
    size = seen.get("bytes")
    access_log.info(
        "%s %s %s %.1f ms %s bytes",
        method if method in counters.KNOWN_METHODS else "OTHER",
        route or counters.UNMATCHED,
        status,
        duration_ms,
        "-" if size is None else size,
        extra={
            "method": method if method in counters.KNOWN_METHODS else "OTHER",
            "route": route or counters.UNMATCHED,
            "status": status,
            "duration_ms": duration_ms,
            "bytes": size,
        },
    )


def init_access_log(app: Flask) -> None:
    trust = int(app.config.get("TRUSTED_PROXIES") or 0) > 0
    app.wsgi_app = RequestObserver(app.wsgi_app, trust)  # type: ignore[method-assign]

    @app.before_request
    def _remember_route() -> None:
        """The matched rule's template for the access line and the latency histogram."""
        rule = request.url_rule
        request.environ[ROUTE_KEY] = rule.rule if rule is not None else None

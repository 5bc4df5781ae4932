"""Error reports to Sentry (optional, SENTRY_DSN), with nothing personal in them.

Initialised once per process (several apps in one process, as in tests, share it). What
leaves the portal: `send_default_pii=False` (no address, no cookies, no user), no local
variables, no request body; `before_send` and `before_breadcrumb` then clean what is left:
every message, exception text and breadcrumb through the same cleaning as the logs
(tokens redacted, phone numbers and e-mail addresses masked, SQL parameters dropped); the
request keeps its method, its URL without the query string (an account link's token in the
path redacted) and a few harmless headers. Every event is tagged with the request id, so
the id a citizen reads off the error page finds the report.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import Flask

from portal.observability.json_logs import scrub
from portal.observability.request_ids import current_request_id

log = logging.getLogger(__name__)

SAFE_HEADERS = frozenset(
    {"accept", "accept-language", "content-length", "content-type", "host", "x-request-id"}
)
_initialised_with: str | None = None


def init_sentry(app: Flask) -> None:
    global _initialised_with
    dsn = app.config.get("SENTRY_DSN") or ""
    if not dsn or _initialised_with == dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("APP_ENV"),
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        integrations=[FlaskIntegration()],
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
    )
    _initialised_with = dsn
    log.info("error reports go to Sentry")


_PLAIN = (bool, int, float, date, datetime, type(None))


def _clean(value: Any) -> Any:
    """Every string inside `value` (dicts and lists walked) cleaned like a log line; any
    other object (an exception among a log call's `params`, an `extra=` value) as its
    cleaned repr, since Sentry's serializer would send its raw repr otherwise."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, _PLAIN):
        return value
    return scrub(repr(value))


def _clean_request(found: dict[str, Any]) -> dict[str, Any]:
    url = str(found.get("url") or "").split("?", 1)[0]
    headers = found.get("headers") or {}
    kept = {k: v for k, v in dict(headers).items() if k.lower() in SAFE_HEADERS}
    return _clean({"method": found.get("method"), "url": url, "headers": kept})


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    for name in ("message", "logentry", "exception", "breadcrumbs", "extra", "threads"):
        if name in event:
            event[name] = _clean(event[name])
    for frame_holder in (event.get("exception") or {}).get("values", []):
        for frame in (frame_holder.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    if "request" in event:
        event["request"] = _clean_request(event["request"])
    event.pop("user", None)
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return _clean(crumb)

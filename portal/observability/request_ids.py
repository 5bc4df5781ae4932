"""One id per request, in every log line written while it is handled, on its error page
and in its `X-Request-ID` response header, so a citizen can quote it to a clerk and an
operator finds every line of that request.

An inbound `X-Request-ID` (set by nginx or a load balancer, so their logs share the id) is
kept only behind a trusted proxy (TRUSTED_PROXIES > 0, access_log.RequestObserver) and
only when it matches ACCEPTED; anything else is replaced by a fresh id and never logged,
since a header is whatever the client typed.
"""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

HEADER = "X-Request-ID"
ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
NO_REQUEST = "-"  # what a line written outside a request carries

_current: ContextVar[str | None] = ContextVar("aduan_request_id", default=None)


def new_request_id() -> str:
    """32 hex characters: unguessable, so an id on an error page tells nothing else."""
    return secrets.token_hex(16)


def accepted_or_new(inbound: str | None) -> str:
    """The inbound id when it is well-formed, else a fresh one."""
    if inbound and ACCEPTED.fullmatch(inbound):
        return inbound
    return new_request_id()


def current_request_id() -> str | None:
    """The id of the request being handled in this context, or None outside a request."""
    return _current.get()


def bind(request_id: str | None):
    """Make `request_id` the current one; returns the token `unbind` takes."""
    return _current.set(request_id)


def unbind(token) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record a handler formats ("-" outside a request), so the
    text format can show it and the JSON format carries it; sits on the root handlers,
    where the records of every module logger (portal.*, werkzeug, gunicorn) end."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or NO_REQUEST
        return True

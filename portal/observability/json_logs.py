"""Log lines as one JSON object each (LOG_FORMAT=json), and the cleaning both formats share.

Fields: time (UTC, ISO 8601 with milliseconds), level, logger, message, request_id (null
outside a request), process, and, on the access line (portal.access), method, route,
status, duration_ms and bytes; `exception` holds a traceback. Nothing else a record
carries is written: an `extra=` someone adds later cannot leak a field by accident.

Every line is cleaned again as it is written (`scrub`): private-link and account-link
tokens and Open311 keys redacted and phone numbers masked (portal.logredact), e-mail
addresses masked, and the bound parameters SQLAlchemy appends to a database error
("[parameters: …]", which hold what a citizen typed) dropped, as are the values PostgreSQL
quotes in its own message, DETAIL and CONTEXT lines; tracebacks included.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from portal.logredact import redact
from portal.observability.request_ids import NO_REQUEST, current_request_id

ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "bytes")
_EMAIL = re.compile(
    r"(?P<first>[A-Za-z0-9])[A-Za-z0-9._%+-]*@(?P<domain>[A-Za-z0-9.-]+\.[A-Za-z]{2,})"
)
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\n|$)", re.DOTALL)
_SQL_DETAIL = re.compile(r"^DETAIL: .*$", re.MULTILINE)
# PostgreSQL quotes the offending value in the message itself: `invalid input syntax for
# type integer: "<what was typed>"`, `value "<…>" is out of range for type integer`, and
# names bound parameters' values in CONTEXT (`unnamed portal with parameters: $1 = '<…>'`).
_PG_QUOTED_VALUE = re.compile(
    r"(?P<lead>(?:invalid input (?:syntax|value) for [^:\n]{1,80}|field value out of range|"
    r"invalid [a-z ]{1,40} value): )\"[^\n]*"  # to the line's end: a value may hold quotes
)
_PG_OUT_OF_RANGE = re.compile(r"(?P<lead>\bvalue )\"[^\n]*?\"(?= is out of range)")
_PG_PARAMETER_CONTEXT = re.compile(r"^CONTEXT: .*\$\d+ = .*$", re.MULTILINE)


def mask_emails(text: str) -> str:
    """siti.aminah@example.org -> s…@example.org"""
    return _EMAIL.sub(lambda m: f"{m.group('first')}…@{m.group('domain')}", text)


def scrub(text: str) -> str:
    """A log line or traceback with no token, phone number, e-mail address or SQL values."""
    text = _SQL_PARAMETERS.sub("[parameters: dropped]", text)
    text = _SQL_DETAIL.sub("DETAIL: [dropped]", text)
    text = _PG_QUOTED_VALUE.sub(lambda m: m.group("lead") + '"[dropped]"', text)
    text = _PG_OUT_OF_RANGE.sub(lambda m: m.group("lead") + '"[dropped]"', text)
    text = _PG_PARAMETER_CONTEXT.sub("CONTEXT: [dropped]", text)
    return mask_emails(redact(text))


def record_request_id(record: logging.LogRecord) -> str | None:
    found = getattr(record, "request_id", None) or current_request_id()
    return None if found in (None, NO_REQUEST) else found


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": record_request_id(record),
            "process": record.process,
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                value = getattr(record, name)
                line[name] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = scrub(record.exc_text)
        if record.stack_info:
            line["stack"] = scrub(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The text format (the default) with the request id, cleaned like the JSON one."""

    FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"

    def __init__(self) -> None:
        super().__init__(self.FORMAT, defaults={"request_id": NO_REQUEST})

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))

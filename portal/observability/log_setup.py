"""Where log lines go and how they look: LOG_FORMAT=text (the default) or json, on stderr.

`install_root_handler` is what configure_logging (portal/__init__.py) runs outside debug
and testing, in place of logging.basicConfig: a root logger without handlers gets one on
standard error in the chosen format; one that already has handlers (gunicorn configured
it from `json_logconfig()`, or a host embeds the app) keeps them, and in JSON mode every
stream handler among them writes JSON. `add_request_ids` puts the request id filter on
every root handler, in every mode (tests included: it only adds an attribute).
"""

from __future__ import annotations

import logging
import sys

from portal.observability.json_logs import JsonFormatter, TextFormatter
from portal.observability.request_ids import RequestIdFilter


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def install_root_handler(log_format: str) -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter_for(log_format))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    elif log_format == "json":
        for handler in root.handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler.formatter, JsonFormatter
            ):
                handler.setFormatter(JsonFormatter())
    if log_format == "json":
        logging.captureWarnings(True)  # a library's warning is a JSON line too, not raw text
    add_request_ids()


def add_request_ids() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())

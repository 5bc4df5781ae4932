"""Operating the portal: request ids in every log line, JSON logs, /metrics, Sentry."""

from __future__ import annotations

from flask import Flask


def init_observability(app: Flask) -> None:
    """Filled in by the observability work (request ids, LOG_FORMAT, METRICS_TOKEN, SENTRY_DSN)."""

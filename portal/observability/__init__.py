"""Operating the portal: request ids in every log line, JSON logs, /metrics, Sentry.

request_ids.py: the id of a request (contextvar, log filter); access_log.py: the WSGI
wrapper that binds it, sends `X-Request-ID` and writes the access line; json_logs.py and
log_setup.py: LOG_FORMAT text|json on stderr; counters.py: the process metrics;
metrics.py and metrics_routes.py: /metrics; sentry.py: SENTRY_DSN; gunicorn_hooks.py: what
gunicorn's config imports. Operator's guide: docs/monitoring.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_observability(app: Flask) -> None:
    """Wire everything into the app (create_app calls it right after configure_logging)."""
    from portal.observability.access_log import init_access_log
    from portal.observability.metrics_routes import init_metrics_routes
    from portal.observability.request_ids import current_request_id
    from portal.observability.sentry import init_sentry

    init_access_log(app)
    init_metrics_routes(app)
    app.jinja_env.globals["request_id"] = current_request_id  # "Kode kejadian" on errors
    init_sentry(app)

"""The metrics the request path and the filing path change: plain prometheus_client objects,
importing nothing from the portal, so the lowest feature (intake) may count without
pulling in the rest of observability.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn, several workers) prometheus_client keeps each
process's values in files there and /metrics adds them up (portal/observability/metrics.py);
the folder is emptied when gunicorn starts (gunicorn_hooks.on_starting).
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Histogram

_MULTIPROC = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _MULTIPROC:  # a CLI process started with the variable must not fail on a missing folder
    os.makedirs(_MULTIPROC, exist_ok=True)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_DURATION = Histogram(
    "aduan_http_request_duration_seconds",
    "Time from a request's arrival to its response being ready, by route template.",
    ("route", "method", "status_class"),
    buckets=LATENCY_BUCKETS,
)
REPORTS_SUBMITTED = Counter(
    "aduan_reports_submitted",
    "Reports filed (stored), by the channel they came through; a replay is not counted.",
    ("channel",),
)

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # no route: a 404, or a request refused before routing


def observe_request(route: str | None, method: str, status: int, seconds: float) -> None:
    """One finished request; labels stay few whatever a client sends."""
    REQUEST_DURATION.labels(
        route=route or UNMATCHED,
        method=method if method in KNOWN_METHODS else "OTHER",
        status_class=f"{status // 100}xx",
    ).observe(seconds)


def count_submission(channel: str) -> None:
    """A report was stored (called by portal.intake.submission.submit_report only)."""
    REPORTS_SUBMITTED.labels(channel=channel).inc()

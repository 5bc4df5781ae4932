"""`/healthz` and `/readyz` for load balancers and systemd checks (README, Production).

Plain text, `Cache-Control: no-store`, no session cookie, no rate limit. /healthz never
touches the database: a process that answers is alive, and restarting it would not bring
the database back. /readyz says whether this process can serve pages that need it.
"""

from __future__ import annotations

from flask import Blueprint, Response

from portal.availability.readiness import not_ready_reason, photo_store_problem

bp = Blueprint("availability", __name__)


def _plain(body: str, status: int) -> Response:
    response = Response(body + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return _plain("ok", 200)


@bp.get("/readyz")
def readyz() -> Response:
    reason = not_ready_reason()
    if reason is None:
        photos = photo_store_problem()  # reported, not counted (see readiness.py)
        return _plain("ready" if photos is None else f"ready\nphotos: {photos}", 200)
    response = _plain(reason, 503)
    response.headers["Retry-After"] = "5"
    return response

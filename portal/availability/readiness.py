"""What `/readyz` asks: can this process serve pages that need the database right now?

The photo store is reported, never counted against readiness: with S3 down a report
without photos is still filed (the citizen is told the photo cannot be stored now), staff
work their queues, and every other page serves. Turning a photo outage into "not ready"
would make a load balancer drop every instance at once (they share the one bucket) and
so turn it into a whole-portal outage. `photo_store_problem()` gives the reason, which
/readyz adds as a second line, so the probe's log and an operator's curl show it.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.photo_store import photo_store
from portal.routing.active import RoutingUnavailable, get_router

log = logging.getLogger(__name__)


def not_ready_reason() -> str | None:
    """A short plain reason this process cannot serve, or None when it can.

    Asks the database itself every time (the routing may be cached in the process and
    would hide an outage), through the app's pool with its connect timeout, and loads the
    routing if this process has none yet, so a probe also finishes the recovery.
    """
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.info("not ready: database unreachable: %s", exc.__class__.__name__)
        return "database unreachable"
    try:
        get_router()
    except RoutingUnavailable:
        return "routing not loaded: no routing version and ROUTING_FILE is invalid"
    except SQLAlchemyError:
        return "routing not loaded: database unreachable"
    return None


def photo_store_problem() -> str | None:
    """Why the photo store cannot take photos now (e.g. "S3 unreachable"; /readyz is public,
    so never the bucket or the endpoint: the log has those), or None; asked at most every
    few seconds (portal/photo_store/s3.py, PROBLEM_TTL)."""
    return photo_store().problem()

"""What `/readyz` asks: can this process serve pages that need the database right now?"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
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

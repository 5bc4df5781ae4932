"""What /metrics shows: the process metrics (portal/observability/counters.py) and gauges
read from the database at scrape time.

The database figures are computed when Prometheus asks, by `DatabaseCollector`, with a few
GROUP BY queries over indexed columns on one connection, so they are the same whichever
worker answers and cost nothing between scrapes:

- aduan_database_up: 1 when the queries ran, 0 when the database could not be reached or
  a query ran past STATEMENT_TIMEOUT_MS (then the figures below are left out; /metrics
  still answers 200);
- aduan_outbox_pending{channel} / aduan_outbox_dead{channel}: rows waiting (pending or
  being sent) and given up, for every outbox channel the app registered (email,
  whatsapp, sms, national); aduan_outbox_oldest_pending_seconds{channel}: age of the
  oldest waiting row;
- aduan_national_mirror_failed: SP4N-LAPOR! mirror items given up (status failed);
- aduan_cases_overdue{region}: open cases past their running deadline in the region's own
  today, the dashboard's "Terlambat saat ini" (status new/verified/in progress and
  due_key before today);
- aduan_routing_active_version: the newest routing version (the active one), and
  aduan_routing_loaded_version: the one this process routes by.

With PROMETHEUS_MULTIPROC_DIR set, the process metrics are added up over every gunicorn
worker from the files there (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from portal.clocks.deadlines import local_date
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.outbox.registry import registered
from portal.outbox.states import PENDING, SENDING
from portal.routing.active import EXTENSION_KEY, get_router
from portal.routing.versions import newest_id
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

WAITING = (PENDING, SENDING)
# A scrape's queries end within this (PostgreSQL): a table locked by a migration or a long
# transaction would otherwise hold the scrape, and the worker, past Prometheus's default
# 10 s scrape timeout, and every retry would tie up another worker.
STATEMENT_TIMEOUT_MS = 3000


def _bound(connection: Connection) -> None:
    """statement_timeout and lock_timeout for this transaction only (SET LOCAL: gone when
    the connection returns to the pool, so no request inherits them)."""
    if connection.dialect.name == "postgresql":
        for name in ("statement_timeout", "lock_timeout"):
            connection.execute(text(f"SET LOCAL {name} = {STATEMENT_TIMEOUT_MS}"))


class DatabaseCollector:
    """The gauges read from the database, collected for one scrape (never registered
    globally: each scrape builds its registry, `scrape_registry`)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "aduan_database_up", "1 when /metrics could read the database, 0 when not."
        )
        figures: list[Metric] = []
        reached = False
        try:
            with self.app.app_context(), db.engine.connect() as connection:
                reached = True
                _bound(connection)
                for part in (self._outbox, self._overdue, self._routing):
                    try:
                        figures += part(connection)
                    except SQLAlchemyError:
                        raise
                    except Exception as exc:  # e.g. no routing yet: the other parts still count
                        log.warning("metrics: %s left out: %r", part.__name__, exc)
                        connection.rollback()
                        _bound(connection)  # the rollback ended the transaction
        except Exception as exc:  # any database trouble: say so, never fail the scrape
            log.warning("metrics: database figures left out: %s", exc.__class__.__name__)
            reached = False
        up.add_metric([], 1 if reached else 0)
        yield up
        if reached:
            yield from figures
        if not any(m.name == "aduan_routing_loaded_version" for m in figures) or not reached:
            yield from self._loaded_version()

    def _outbox(self, connection: Connection) -> list[Metric]:
        pending = GaugeMetricFamily(
            "aduan_outbox_pending",
            "Outbox rows waiting to be delivered (pending or being sent), by channel.",
            labels=["channel"],
        )
        dead = GaugeMetricFamily(
            "aduan_outbox_dead",
            "Outbox rows given up (dead; failed for the national mirror), by channel.",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "aduan_outbox_oldest_pending_seconds",
            "Age of the oldest outbox row still waiting, by channel (0 when none waits).",
            labels=["channel"],
        )
        mirror_failed = GaugeMetricFamily(
            "aduan_national_mirror_failed",
            "SP4N-LAPOR! mirror items given up (status failed); `national mirror retry`.",
        )
        now = utcnow()
        for channel in registered(self.app):
            model = channel.model
            states = (*WAITING, channel.give_up_state)
            stmt = (
                select(model.status, func.count(), func.min(model.created_at))
                .where(model.status.in_(states), *channel.claim_filters())
                .group_by(model.status)
            )
            waiting = given_up = 0
            first = None
            for state, count, created in connection.execute(stmt):
                if state == channel.give_up_state:
                    given_up += count
                else:
                    waiting += count
                    if created is not None:
                        created = _aware(created)
                        first = created if first is None else min(first, created)
            pending.add_metric([channel.name], waiting)
            dead.add_metric([channel.name], given_up)
            age = max(0.0, (now - first).total_seconds()) if first is not None else 0.0
            oldest.add_metric([channel.name], age)
            if channel.name == "national":
                mirror_failed.add_metric([], given_up)
        return [pending, dead, oldest, mirror_failed]

    def _overdue(self, connection: Connection) -> list[Metric]:
        overdue = GaugeMetricFamily(
            "aduan_cases_overdue",
            "Open cases past their running deadline today (the region's own date), by region.",
            labels=["region"],
        )
        router = get_router()
        now = utcnow()
        late_in = [
            and_(
                Complaint.region_id == region.id,
                Complaint.due_key < local_date(now, region.timezone),
            )
            for region in router.regions
        ]
        counts: dict[str, int] = {}
        if late_in:
            stmt = (
                select(Complaint.region_id, func.count())
                .where(Complaint.status.in_(s.RUNNING), or_(*late_in))
                .group_by(Complaint.region_id)
            )
            counts = {region: count for region, count in connection.execute(stmt)}
        for region in router.regions:
            overdue.add_metric([region.id], counts.get(region.id, 0))
        return [overdue]

    def _routing(self, connection: Connection) -> list[Metric]:
        active = GaugeMetricFamily(
            "aduan_routing_active_version",
            "The newest (active) routing version in the database (0: none yet).",
        )
        active.add_metric([], newest_id(connection) or 0)
        return [active, *self._loaded_version()]

    def _loaded_version(self) -> list[Metric]:
        loaded = GaugeMetricFamily(
            "aduan_routing_loaded_version",
            "The routing version the process that answered this scrape routes by (0: none).",
        )
        state = self.app.extensions.get(EXTENSION_KEY)
        loaded.add_metric([], getattr(state, "version_id", None) or 0)
        return [loaded]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class _Default:
    """The process-wide registry's metrics (this process's counters and process_* figures)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry(app: Flask) -> CollectorRegistry:
    """A registry for one scrape: every worker's counters (multiprocess mode) or this
    process's, and the database gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    registry.register(DatabaseCollector(app))
    return registry


def render(app: Flask) -> bytes:
    started = time.perf_counter()
    body = generate_latest(scrape_registry(app))
    log.debug("metrics rendered in %.1f ms", (time.perf_counter() - started) * 1000)
    return body

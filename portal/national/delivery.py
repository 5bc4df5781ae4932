"""Delivering the mirror over HTTP: claim due items, post each once, retry with backoff.

The same pattern as the e-mail worker (portal/notifications/worker.py): claiming is a short
transaction that marks items `sending` with a lease; on PostgreSQL candidates are read
FOR UPDATE SKIP LOCKED so several workers take disjoint items; each item's outcome is
committed on its own, so a killed worker re-sends at most one item (same Idempotency-Key)
after its lease. On top of that, an item is only claimed once every earlier item of its
case is sent, so LAPOR! always receives a case's events in order.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import update

from portal.extensions import db
from portal.national.http_connector import Outcome, post_item
from portal.national.models import FAILED, HTTP, PENDING, SENT, NationalMirrorItem
from portal.national.order import waits_for_earlier
from portal.national.payload import document_of
from portal.outbox.backoff import MAX_ATTEMPTS, backoff
from portal.outbox.claiming import claim_due
from portal.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass
class MirrorResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed

    def add(self, other: MirrorResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed


class NotConfigured(RuntimeError):
    """The HTTP connector has no NATIONAL_URL: nothing can be delivered."""


def claim(worker_id: str, now: datetime, limit: int) -> list[NationalMirrorItem]:
    """Mark up to `limit` due items whose case has nothing earlier in flight, and commit."""
    return claim_due(NationalMirrorItem, worker_id, now, limit, ~waits_for_earlier())


def _finish(row_id: int, worker_id: str, **values) -> None:
    """Write an item's outcome, only if it is still ours (its lease not taken over)."""
    db.session.execute(
        update(NationalMirrorItem)
        .where(NationalMirrorItem.id == row_id, NationalMirrorItem.claimed_by == worker_id)
        .values(claimed_by=None, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _record(row: NationalMirrorItem, worker_id: str, now: datetime, outcome: Outcome) -> str:
    """Store one outcome; returns the MirrorResult field it counts as."""
    if outcome.kind == "sent":
        _finish(
            row.id,
            worker_id,
            status=SENT,
            sent_at=now,
            connector=HTTP,
            remote_ref=outcome.remote_ref,
            last_error=None,
        )
        return "sent"
    limit = current_app.config.get("NATIONAL_MAX_ATTEMPTS", MAX_ATTEMPTS)
    error = (outcome.error or "")[:2000]
    if outcome.kind == "failed" or row.attempts >= limit:
        log.warning("national mirror item %s failed: %s", row.id, error)
        _finish(row.id, worker_id, status=FAILED, connector=HTTP, last_error=error)
        return "failed"
    _finish(
        row.id,
        worker_id,
        status=PENDING,
        last_error=error,
        next_attempt_at=now + backoff(row.attempts),
    )
    return "retried"


def deliver_due(
    *,
    now: datetime | None = None,
    limit: int = 50,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
) -> MirrorResult:
    """Post one batch of due items to NATIONAL_URL; returns what happened to each."""
    config = current_app.config
    url = config.get("NATIONAL_URL") or ""
    if not url:
        raise NotConfigured("NATIONAL_URL is not set: the http connector has nowhere to post")
    now = now or utcnow()
    worker_id = worker_id or uuid.uuid4().hex
    result = MirrorResult()
    pending = claim(worker_id, now, limit)
    while pending and not (stop is not None and stop.is_set()):
        row = pending.pop(0)
        outcome = post_item(
            url,
            config.get("NATIONAL_TOKEN") or "",
            row.idempotency_key,
            document_of(row),
            float(config.get("NATIONAL_TIMEOUT", 10)),
        )
        field = _record(row, worker_id, now, outcome)
        setattr(result, field, getattr(result, field) + 1)
        if outcome.unreachable:  # no answer at all: the rest of the batch would time out too
            for rest in pending:
                field = _record(rest, worker_id, now, outcome)
                setattr(result, field, getattr(result, field) + 1)
            pending = []
    for row in pending:  # asked to stop: hand the rest back at once, no attempt spent
        _finish(row.id, worker_id, status=PENDING, attempts=row.attempts - 1)
    return result


def deliver_all_due(*, now: datetime | None = None, limit: int = 50) -> MirrorResult:
    """Batch after batch until nothing is due (`national send --once`)."""
    total = MirrorResult()
    while True:
        result = deliver_due(now=now, limit=limit)
        total.add(result)
        if result.handled == 0:
            return total


def deliver_national_round(*, worker_id: str, stop: threading.Event | None = None) -> int:
    """One round of the `outbox work` loop: due mirror items, when NATIONAL_CONNECTOR=http.

    Returns how many items were handled (0 keeps the loop's idle wait). A misconfiguration
    is logged, not raised, so it never stops e-mail delivery.
    """
    if current_app.config.get("NATIONAL_CONNECTOR") != HTTP:
        return 0
    try:
        return deliver_due(worker_id=worker_id, stop=stop).handled
    except NotConfigured as exc:
        log.error("national mirror: %s", exc)
        return 0


def retry(item_id: int, now: datetime | None = None) -> bool:
    """Give a failed item a fresh start; False if it is not failed."""
    return retry_failed(item_ids=[item_id], now=now) == 1


def retry_failed(
    *, item_ids: list[int] | None = None, region_id: str | None = None, now=None
) -> int:
    """Queue failed items again (attempts reset; the last error kept for the record)."""
    stmt = update(NationalMirrorItem).where(NationalMirrorItem.status == FAILED)
    if item_ids is not None:
        stmt = stmt.where(NationalMirrorItem.id.in_(item_ids))
    if region_id is not None:
        stmt = stmt.where(NationalMirrorItem.region_id == region_id)
    changed = db.session.execute(
        stmt.values(
            status=PENDING,
            attempts=0,
            next_attempt_at=now or utcnow(),
            claimed_by=None,
            locked_until=None,
        ).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed

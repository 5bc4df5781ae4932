"""Delivering a channel: claim due rows, hand each to the adapter once, record the outcome.

Each row's outcome is committed on its own, and every claim has its own id (the fencing
token): right before a row is sent the worker checks, in the same UPDATE that renews the
row's lease, that the claim still holds it, and a thread renews the lease of the rest of the
batch while the worker works. So while a worker lives, a row is sent at most once per claim
however slow the peer. A worker killed mid-send (SIGKILL, power loss) repeats at most that
one delivery, under the row's own Message-ID or idempotency key, after its lease runs out.
A retry waits out the backoff; a row that used its last attempt, or that the adapter says
cannot succeed, is given up under the channel's own state name.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from portal.extensions import db
from portal.outbox.backoff import backoff
from portal.outbox.channel import Channel, NotReady, PeerUnreachable
from portal.outbox.claiming import claim_due, finish, hand_back, lease_length, take
from portal.outbox.lease import LeaseKeeper
from portal.outbox.ordering import waits_for_earlier
from portal.outbox.outcomes import Kind, Outcome, retry
from portal.outbox.resilience import Guard
from portal.outbox.results import DeliveryResult
from portal.outbox.states import PENDING, SENT, STALE
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_ERROR = 2000  # characters of last_error kept


def new_claim_id(worker_id: str) -> str:
    """A fresh fencing token for one claim; it starts with the worker's id, for the log."""
    return f"{worker_id[:7]}.{uuid.uuid4().hex}"


def claim(
    channel: Channel, claim_id: str, now: datetime, limit: int, *, lease: timedelta | None = None
) -> list[Any]:
    """Mark up to `limit` due rows of the channel as claim `claim_id`'s (respecting its
    per-key order)."""
    extra = list(channel.claim_filters())
    if channel.order_key is not None:
        order = waits_for_earlier(channel.model, channel.order_key, passable=channel.order_passable)
        extra.append(~order)
    return claim_due(channel.model, claim_id, now, limit, *extra, lease=lease)


def record(
    channel: Channel,
    row: Any,
    claim_id: str,
    now: datetime,
    outcome: Outcome,
    *,
    commit: bool = True,
) -> Kind:
    """Store one outcome (if the claim still holds the row); returns how it counts.

    `commit=False` leaves the commit to the caller's next statement (see finish)."""
    model = channel.model
    if outcome.kind == "sent":
        values = {"status": SENT, "sent_at": now, "last_error": None, **outcome.values}
        finish(model, row.id, claim_id, commit=commit, **values)
        return "sent"
    if outcome.kind == "stale":
        finish(model, row.id, claim_id, commit=commit, status=STALE, last_error=outcome.error)
        return "stale"
    if outcome.kind not in ("retry", "give_up"):
        raise ValueError(f"{channel.name}: unknown outcome {outcome.kind!r}")
    error = (outcome.error or "")[:MAX_ERROR]
    if outcome.kind == "give_up" or channel.gives_up(row):
        log.warning("%s is %s: %s", channel.describe(row), channel.give_up_state, error)
        state = channel.give_up_state
        values = {"status": state, "last_error": error, **outcome.values}
        finish(model, row.id, claim_id, commit=commit, **values)
        return "give_up"
    finish(
        model,
        row.id,
        claim_id,
        commit=commit,
        status=PENDING,
        last_error=error,
        next_attempt_at=now + backoff(row.attempts),
    )
    return "retry"


def deliver_batch(
    channel: Channel,
    *,
    now: datetime | None = None,
    limit: int = 50,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
    lease: timedelta | None = None,
) -> DeliveryResult:
    """Deliver one batch of the channel's due rows; returns what happened to them.

    Raises NotReady (before claiming anything) when the channel cannot deliver at all.
    A row the claim lost (its lease ran out and another worker took it) is skipped, not
    counted: the other worker delivers it.
    """
    channel.check_ready()
    now = now or utcnow()
    lease = lease or lease_length()
    claim_id = new_claim_id(worker_id or uuid.uuid4().hex)
    result = DeliveryResult()
    pending = claim(channel, claim_id, now, limit, lease=lease)
    if not pending:
        return result

    def unreachable(tried: Any, outcome: Outcome) -> None:
        """Only `tried` is charged; the rest go back untried, without an attempt spent, but
        wait as long as the tried row does, so a peer that is down is not hammered."""
        kind = record(channel, tried, claim_id, now, outcome)
        result.count(kind)
        not_before = now + backoff(tried.attempts)
        error = f"not tried: {(outcome.error or '')[: MAX_ERROR - 11]}"
        for row in pending:
            if hand_back(channel.model, row, claim_id, not_before=not_before, error=error):
                result.count("retry")
        pending.clear()

    with LeaseKeeper(db.engine, channel.model, claim_id, lease):
        try:
            with channel.connect() as connection:
                while pending and not (stop is not None and stop.is_set()):
                    if not take(channel.model, pending[0].id, claim_id, lease):
                        log.warning("%s: claim lost, not sent", channel.describe(pending[0]))
                        pending.pop(0)
                        continue
                    outcome = channel.deliver(pending[0], connection)
                    row = pending.pop(0)  # only now: a PeerUnreachable retries this row
                    if outcome.unreachable:  # no answer at all: the rest would fare the same
                        unreachable(row, outcome)
                    else:  # committed by the next row's take(), or at once if none follows
                        last = not pending or (stop is not None and stop.is_set())
                        kind = record(channel, row, claim_id, now, outcome, commit=last)
                        result.count(kind)
        except PeerUnreachable as exc:  # no connection: it counts as the first row's attempt
            if pending:
                unreachable(pending.pop(0), retry(str(exc), unreachable=True))
        for row in pending:  # asked to stop: hand the rest back at once, no attempt spent
            hand_back(channel.model, row, claim_id)
        db.session.commit()  # nothing left uncommitted, whichever way the loop ended
    return result


def deliver_all_due(
    channel: Channel, *, now: datetime | None = None, limit: int = 50
) -> DeliveryResult:
    """Batch after batch until nothing of the channel is due (`… send --once`)."""
    total = DeliveryResult()
    while True:
        result = deliver_batch(channel, now=now, limit=limit)
        total.add(result)
        if result.handled == 0:
            return total


def deliver_round(
    channels: Iterable[Channel],
    *,
    worker_id: str,
    stop: threading.Event | None = None,
    limit: int = 50,
) -> dict[str, DeliveryResult]:
    """One batch of every enabled channel; a channel that is not ready is logged, not raised,
    so a misconfigured mirror never stops e-mail. Returns the results by channel name."""
    results: dict[str, DeliveryResult] = {}
    for channel in channels:
        if stop is not None and stop.is_set():
            break
        if not channel.enabled():
            continue
        try:
            results[channel.name] = deliver_batch(
                channel, worker_id=worker_id, stop=stop, limit=limit
            )
        except NotReady as exc:
            log.error("outbox channel %s cannot deliver: %s", channel.name, exc)
    return results


def run(
    channels: Iterable[Channel],
    stop: threading.Event,
    *,
    poll_seconds: float = 1.0,
    tick_seconds: float = 0.0,
    tick: Callable[[], object] | None = None,
) -> dict[str, DeliveryResult]:
    """The long-running worker: rounds over the channels until `stop` is set (SIGTERM sets it).

    The row being delivered is finished first; rows claimed but not tried yet are handed
    back. `tick`, if given, runs every `tick_seconds` between rounds. Nothing but `stop`
    ends the loop: a round or a tick that fails (the database is down or restarting, the
    routing cannot be loaded yet) is logged and tried again after a capped exponential wait
    (portal/outbox/resilience.py), which `stop` cuts short. Returns the totals by channel
    name (of the batches that completed).
    """
    channels = list(channels)
    totals: dict[str, DeliveryResult] = {}
    worker_id = uuid.uuid4().hex
    rounds, ticks = Guard("outbox round"), Guard("sla tick")
    next_tick = time.monotonic()

    def one_round() -> dict[str, DeliveryResult]:
        try:
            return deliver_round(channels, worker_id=worker_id, stop=stop)
        finally:
            db.session.remove()

    while not stop.is_set():
        if tick is not None and tick_seconds > 0 and time.monotonic() >= next_tick:
            ticked, _ = ticks.attempt(tick)
            next_tick = time.monotonic() + (tick_seconds if ticked else ticks.wait)
        delivered, results = rounds.attempt(one_round)
        if not delivered or results is None:
            stop.wait(rounds.wait)
            continue
        for name, result in results.items():
            totals.setdefault(name, DeliveryResult()).add(result)
        if not any(result.handled for result in results.values()):
            stop.wait(poll_seconds)
    return totals

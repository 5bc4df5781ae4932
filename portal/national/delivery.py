"""The mirror's HTTP channel: what posting items to SP4N-LAPOR! adds to the delivery core.

Claiming with leases (SKIP LOCKED on PostgreSQL), backoff, giving up and per-case order come
from portal/outbox: a killed worker re-sends at most one item, under the same
Idempotency-Key, after its lease, and an item is only claimed once every earlier item of its
case is sent. This adapter posts one item (http_connector.py), keeps LAPOR!'s reference and
which connector delivered it, and names its give-up state `failed`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app

from portal.national.http_connector import post_item
from portal.national.models import FAILED, HTTP, ORDER_KEY, NationalMirrorItem
from portal.national.payload import document_of
from portal.outbox.channel import Channel, NotReady
from portal.outbox.outcomes import Outcome
from portal.outbox.revive import revive


class NotConfigured(NotReady):
    """The HTTP connector has no NATIONAL_URL: nothing can be delivered."""


@dataclass(frozen=True)
class Endpoint:
    """Where and how to post, read from the config once per batch."""

    url: str
    token: str
    timeout: float


class MirrorChannel(Channel):
    name = "national"
    model = NationalMirrorItem
    give_up_state = FAILED
    order_key = ORDER_KEY

    def enabled(self) -> bool:
        """Only NATIONAL_CONNECTOR=http posts; with `export` items wait for an export."""
        return current_app.config.get("NATIONAL_CONNECTOR") == HTTP

    def give_up_after(self) -> timedelta:
        return timedelta(hours=current_app.config["NATIONAL_GIVE_UP_AFTER"])

    def max_attempts(self) -> int | None:
        return current_app.config.get("NATIONAL_MAX_ATTEMPTS")

    def check_ready(self) -> None:
        if not current_app.config.get("NATIONAL_URL"):
            raise NotConfigured("NATIONAL_URL is not set: the http connector has nowhere to post")

    def connect(self) -> AbstractContextManager[Endpoint]:
        """Nothing to open (one request per item): just the endpoint's settings."""
        config = current_app.config
        return nullcontext(
            Endpoint(
                url=config.get("NATIONAL_URL") or "",
                token=config.get("NATIONAL_TOKEN") or "",
                timeout=float(config.get("NATIONAL_TIMEOUT", 10)),
            )
        )

    def deliver(self, row: NationalMirrorItem, endpoint: Endpoint) -> Outcome:
        outcome = post_item(
            endpoint.url, endpoint.token, row.idempotency_key, document_of(row), endpoint.timeout
        )
        return replace(outcome, values={**outcome.values, "connector": HTTP})

    def describe(self, row: NationalMirrorItem) -> str:
        return f"national mirror item {row.id}"


def retry(item_id: int, now: datetime | None = None) -> bool:
    """Give a failed item a fresh start; False if it is not failed."""
    return retry_failed(item_ids=[item_id], now=now) == 1


def retry_failed(
    *,
    item_ids: list[int] | None = None,
    region_id: str | None = None,
    now: datetime | None = None,
) -> int:
    """Put failed items back in line (attempts reset; the last error kept for the record)."""
    where = []
    if item_ids is not None:
        where.append(NationalMirrorItem.id.in_(item_ids))
    if region_id is not None:
        where.append(NationalMirrorItem.region_id == region_id)
    return revive(MirrorChannel(), *where, now=now)

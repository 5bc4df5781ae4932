"""The adapter interface: what one delivery channel (e-mail, the SP4N-LAPOR! mirror, …) adds to
the core. An adapter renders, sends and classifies; the core claims, counts attempts, backs
off, gives up, keeps order and hands rows back.

A new channel needs a table with the DeliveryState columns, a Channel subclass, and one
`register(app, …)` line in the app factory; `outbox work` then delivers it too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import ColumnElement

from portal.outbox.backoff import GIVE_UP_AFTER_HOURS, RetrySchedule
from portal.outbox.outcomes import Outcome


class NotReady(RuntimeError):
    """Nothing can be delivered under the current configuration (say, no URL is set).

    Raised by Channel.check_ready before any row is claimed, so no attempt is spent; the
    worker loop logs it and goes on with the other channels.
    """


class PeerUnreachable(Exception):
    """Raised by Channel.connect when the peer cannot be reached at all: every claimed row of
    the batch is retried with this reason, and none is tried."""


class Channel(ABC):
    """One delivery channel. Set `name`, `model` and `give_up_state`; implement `deliver`.

    `deliver` never raises for delivery trouble: it returns an Outcome. Everything else
    has a default that suits a channel without configuration or connection.
    """

    name: ClassVar[str]  # registry key and log prefix: "email", "national"
    model: ClassVar[type]  # the outbox table (DeliveryState columns)
    give_up_state: ClassVar[str]  # stored when a row is given up: "dead", "failed"
    # Rows sharing this column's value (or these columns' values) go in id order; an
    # earlier row holds a later one back until it is sent, or in an `order_passable` state.
    order_key: ClassVar[str | tuple[str, ...] | None] = None
    order_passable: ClassVar[tuple[str, ...]] = ()

    def enabled(self) -> bool:
        """Whether `outbox work` delivers this channel under the app's config."""
        return True

    def give_up_after(self) -> timedelta:
        """How long a row that keeps failing is retried (along the schedule) before it is
        given up; 72 hours unless the channel reads a setting."""
        return timedelta(hours=GIVE_UP_AFTER_HOURS)

    def max_attempts(self) -> int | None:
        """An optional cap on attempts (including the first); None: the age alone decides."""
        return None

    def schedule(self) -> RetrySchedule:
        return RetrySchedule(give_up_after=self.give_up_after(), max_attempts=self.max_attempts())

    def gives_up(self, row: Any) -> bool:
        """Whether a row whose latest attempt failed for a reason worth retrying is given up
        now rather than tried again (the core asks this for every retry outcome)."""
        return self.schedule().gives_up(row.attempts)

    def check_ready(self) -> None:
        """Raise NotReady when nothing can be delivered now; called before claiming."""
        return None

    def claim_filters(self) -> tuple[ColumnElement[bool], ...]:
        """Extra conditions a row must meet to be claimed (the per-key order comes on top)."""
        return ()

    def connect(self) -> AbstractContextManager[Any]:
        """One connection for the whole batch (an SMTP session); raise PeerUnreachable from
        entering it when there is no peer. Nothing by default (HTTP: one request a row)."""
        return nullcontext()

    @abstractmethod
    def deliver(self, row: Any, connection: Any) -> Outcome:
        """Render and send one claimed row, and say what came of it."""

    def describe(self, row: Any) -> str:
        """How a row is named in the log."""
        return f"{self.name} row {row.id}"

"""The states every outbox table shares, and the columns that hold a row's delivery state.

A row's give-up state is the channel's own (the e-mail outbox stores `dead`, the mirror
`failed`): see Channel.give_up_state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.timeutil import UTCDateTime, utcnow

PENDING = "pending"  # waiting for next_attempt_at
SENDING = "sending"  # claimed by a worker until locked_until; reclaimed after that
SENT = "sent"
STALE = "stale"  # no longer worth sending (e.g. a reminder whose deadline stopped running)


class DeliveryState:
    """Mixin for an outbox table: what the core reads and writes on every row.

    Besides these a table needs an integer primary key `id` (claiming and per-key order go
    by it) and, for the worker, an index on (status, next_attempt_at, id).
    """

    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

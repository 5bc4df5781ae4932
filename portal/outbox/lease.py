"""Keeping a claim's lease alive while its worker works through the batch.

A batch of slow rows (an SMTP server that takes seconds per message, a peer near its
timeout) can outlive any fixed lease; another worker would then take the rows still
waiting, or the one being sent, and send them a second time. While a batch is delivered a
thread renews the lease of every row the claim still holds, a third of the lease apart, on a
connection of its own (the session belongs to the delivering thread). One UPDATE per
renewal, whatever the batch size. When the worker dies the thread dies with it, the lease
runs out and another worker takes the rows over: that is what leases are for.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import TracebackType

from sqlalchemy import Engine

from portal.outbox.claiming import renew

log = logging.getLogger(__name__)


class LeaseKeeper:
    """`with LeaseKeeper(engine, model, claim_id, lease):` renews the claim until the block
    ends. A failed renewal (the database away for a moment) is logged and tried again at the
    next beat; the per-row check before sending still stops a row whose lease was lost."""

    def __init__(self, engine: Engine, model: type, claim_id: str, lease: timedelta):
        self.engine = engine
        self.model = model
        self.claim_id = claim_id
        self.lease = lease
        self.every = lease.total_seconds() / 3
        self.renewals = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"lease-{claim_id[:16]}", daemon=True
        )

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(max(5.0, self.every))  # a renewal stuck on a dead link

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    held = renew(connection, self.model, self.claim_id, self.lease)
                self.renewals += 1
            except Exception as exc:  # the next beat tries again; take() guards each row
                log.warning("lease of claim %s not renewed: %s", self.claim_id, exc)
                continue
            if held == 0:  # every row finished (or taken over): nothing left to keep
                return

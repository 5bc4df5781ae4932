"""How many rows ended each way, for the command line and the worker loop."""

from __future__ import annotations

from dataclasses import dataclass

from portal.outbox.outcomes import Kind

_FIELDS: dict[Kind, str] = {
    "sent": "sent",
    "retry": "retried",
    "give_up": "gave_up",
    "stale": "stale",
}


@dataclass
class DeliveryResult:
    """Counts of one batch, or summed over several; `gave_up` is what a channel reports under
    its give-up state's name (dead, failed)."""

    sent: int = 0
    retried: int = 0
    gave_up: int = 0
    stale: int = 0

    @property
    def handled(self) -> int:
        """Rows that were tried (0 means nothing was due: the worker may wait)."""
        return self.sent + self.retried + self.gave_up + self.stale

    def summary(self, give_up_state: str) -> str:
        """The line `outbox send`, `outbox work` and `national send` print."""
        return f"sent: {self.sent}, retry later: {self.retried}, {give_up_state}: {self.gave_up}"

    def count(self, kind: Kind) -> None:
        field = _FIELDS[kind]
        setattr(self, field, getattr(self, field) + 1)

    def add(self, other: DeliveryResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.gave_up += other.gave_up
        self.stale += other.stale

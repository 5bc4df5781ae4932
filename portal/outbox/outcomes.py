"""What one delivery attempt came to, as the channel's adapter saw it.

The adapter only classifies; the core decides what that means for the row (a retry that
used the last attempt is given up, an unreachable peer fails the rest of the batch too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["sent", "retry", "give_up", "stale"]


@dataclass(frozen=True)
class Outcome:
    """`values` are extra columns written when the row ends sent or given up (which connector,
    the peer's reference); a retry leaves the row waiting, so they are not written then.

    `unreachable` marks a failure before any answer (refused connection, timeout, a link
    that broke): the rest of the batch gets the same retry at once instead of each row
    waiting out its own timeout.
    """

    kind: Kind
    error: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    unreachable: bool = False


def sent(**values: Any) -> Outcome:
    return Outcome("sent", values=values)


def retry(error: str, *, unreachable: bool = False, **values: Any) -> Outcome:
    """Temporary trouble: try again after the backoff (until the attempts run out)."""
    return Outcome("retry", error=error, values=values, unreachable=unreachable)


def give_up(error: str, **values: Any) -> Outcome:
    """Retrying cannot help (a refusal, an invalid address, a broken template)."""
    return Outcome("give_up", error=error, values=values)


def stale(reason: str) -> Outcome:
    """No longer worth sending (the thing it announces stopped being true): not sent."""
    return Outcome("stale", error=reason)

"""When a failed delivery is tried again, and when a row that keeps failing is given up.

One schedule for every channel: waits double from a minute up to an hour, and a row is
given up only once it has been retried for the give-up age (72 hours by default), so an
outage of a weekend loses nothing, whichever peer (mail server, LAPOR!) was down. An
operator may also cap the number of attempts (the old OUTBOX_/NATIONAL_MAX_ATTEMPTS).

The age is measured along the schedule from the row's first attempt (the sum of the waits
its failed attempts earned), not from the wall clock: it needs no extra column, a revived
row starts a fresh series (its attempts are reset), and time the row was not tried at all
(the worker was down, or a mirror item waited behind an earlier item of its case) never
counts against it. Real time elapsed is therefore always at least the age. The cap of an
hour keeps recovery quick: once the peer is back, every row goes out within the hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
GIVE_UP_AFTER_HOURS = 72.0  # default of OUTBOX_GIVE_UP_AFTER / NATIONAL_GIVE_UP_AFTER


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: doubling from a minute, at most an hour."""
    return min(BACKOFF_BASE * (2 ** max(0, min(attempts, 40) - 1)), BACKOFF_CAP)


def tried_for(attempts: int) -> timedelta:
    """How long after the first attempt the n-th one starts, along the schedule."""
    total = timedelta(0)
    n = 1
    while n < attempts and backoff(n) < BACKOFF_CAP:  # the doubling part: a few steps
        total += backoff(n)
        n += 1
    return total + BACKOFF_CAP * max(0, attempts - n)  # then one cap per attempt


@dataclass(frozen=True)
class RetrySchedule:
    """A channel's give-up rule: the give-up age and, optionally, a cap on attempts."""

    give_up_after: timedelta = timedelta(hours=GIVE_UP_AFTER_HOURS)
    max_attempts: int | None = None  # None: only the age decides

    def gives_up(self, attempts: int) -> bool:
        """Whether a row whose `attempts`-th attempt just failed (for a reason worth
        retrying) is given up now: that attempt started at or after the give-up age, or it
        was the last one allowed."""
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return True
        return tried_for(attempts) >= self.give_up_after

    def attempts_allowed(self) -> int:
        """How many attempts a row gets before it is given up (for docs and status lines)."""
        attempts = 1
        while not self.gives_up(attempts):
            attempts += 1
        return attempts


DEFAULT_SCHEDULE = RetrySchedule()

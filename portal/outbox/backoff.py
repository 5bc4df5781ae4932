"""When a failed delivery is tried again, and how many tries a row gets before it is given up.

One schedule for every channel: an outage of an hour or so loses nothing, whichever peer
(mail server, LAPOR!) was down.
"""

from __future__ import annotations

from datetime import timedelta

MAX_ATTEMPTS = 12  # 1, 2, 4 … 32 minutes, then hourly: about six hours before giving up
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: doubling from a minute, at most an hour."""
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_CAP)

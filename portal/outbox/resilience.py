"""Keeping a long-running process alive through database outages.

A database restart, a crash or a worker started before the database is up must not end
`outbox work`: whatever a round or a tick raises is logged on one line, the session and the
connection pool are thrown away (a restarted server has closed every pooled connection),
and the round is tried again after a capped exponential wait (1 s, 2 s, 4 s … 30 s) that a
stop request (SIGTERM, Ctrl-C) cuts short. Only the stop request ends the process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_WAIT = 1.0  # seconds after the first failure
LONGEST_WAIT = 30.0  # the wait stops doubling here


class Backoff:
    """Capped exponential waits between failed attempts; `reset()` after a success."""

    def __init__(self, first: float = FIRST_WAIT, longest: float = LONGEST_WAIT):
        self.first = first
        self.longest = longest
        self.failures = 0

    def next_wait(self) -> float:
        """The wait after one more failure (and counts it)."""
        self.failures += 1
        return min(self.longest, self.first * 2 ** (self.failures - 1))

    def reset(self) -> None:
        self.failures = 0


def describe(exc: BaseException) -> str:
    """One short line for the log: the driver's message, not SQLAlchemy's SQL and links."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split()) or type(inner).__name__
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(inner).__name__}: {text}"


def is_database_error(exc: BaseException) -> bool:
    """Errors an outage causes (refused or dropped connections, a server shutting down)."""
    return isinstance(exc, SQLAlchemyError | ConnectionError | TimeoutError)


def forget_connections() -> None:
    """Roll back, drop the session and every pooled connection; never raises, so a cleanup
    during an outage cannot itself end the process."""
    from portal.extensions import db

    for step in (db.session.rollback, db.session.remove, lambda: db.engine.dispose()):
        try:
            step()
        except Exception as exc:  # the database is gone; the next attempt reconnects
            log.debug("cleanup after a failed round: %s", describe(exc))


class Guard:
    """Runs one step of a long-running loop and remembers how long to wait after a failure.

    `attempt(what, step)` returns (True, value) when the step succeeded and (False, None)
    when it raised: then the failure is logged (one line; a traceback only for an error that
    is not an outage and differs from the previous one), the connections are dropped and
    `wait` says how long the caller should wait (capped exponential). It never waits itself,
    so a failing tick does not hold up delivery.
    """

    def __init__(self, what: str, backoff: Backoff | None = None):
        self.what = what
        self.backoff = backoff or Backoff()
        self.wait = 0.0
        self._failing: str | None = None  # the last failure's text

    def attempt(self, step: Callable[[], T]) -> tuple[bool, T | None]:
        try:
            value = step()
        except Exception as exc:
            self._failed(exc)
            return False, None
        if self._failing is not None:
            log.warning("%s works again after %d failures", self.what, self.backoff.failures)
            self._failing = None
        self.backoff.reset()
        self.wait = 0.0
        return True, value

    def _failed(self, exc: Exception) -> None:
        forget_connections()
        self.wait = self.backoff.next_wait()
        text = describe(exc)
        if is_database_error(exc) or text == self._failing:
            log.error("%s failed (%s); trying again in %.0f s", self.what, text, self.wait)
        else:  # not an outage: show where it comes from, once per new error
            log.exception("%s failed; trying again in %.0f s", self.what, self.wait)
        self._failing = text

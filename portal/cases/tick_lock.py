"""One `sla tick` at a time, whatever runs it (cron, `outbox work --tick-every`, a person).

Two ticks at once would mark the same cases and write the same reminders, and the slower
one would fail on the outbox's unique dedupe key. So a tick first takes a lock and, when
another tick holds it, skips instead of waiting or failing:

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection of its own,
  held for the tick's whole run across its many short transactions; the server drops it
  by itself when that connection dies, so a killed tick never leaves it taken.
- SQLite: an OS file lock (`flock`) on a file next to the database file (one host by
  definition: SQLite is not shared over a network), released by the OS when the process
  ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import Engine

ADVISORY_KEY = 0x61647561_6E5F736C  # "aduan_sl": a fixed 63-bit key of its own


@contextlib.contextmanager
def exclusive_tick(engine: Engine) -> Iterator[bool]:
    """Yields True while this process holds the tick lock, False when another tick does."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine) as held:
            yield held
    else:
        with _file_lock(lock_file(engine)) as held:
            yield held


@contextlib.contextmanager
def _advisory_lock(engine: Engine) -> Iterator[bool]:
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        held = bool(
            connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
            ).scalar()
        )
        try:
            yield held
        finally:
            if held:
                try:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                    )
                except Exception:  # connection gone: the server has dropped the lock
                    connection.invalidate()  # never hand a lock-holding session to the pool
    finally:
        connection.close()


def lock_file(engine: Engine) -> Path:
    """Next to the database file (every process that writes it sees the same lock file);
    in the instance folder for an in-memory database."""
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        return Path(f"{database}.sla-tick.lock")
    return Path(current_app.instance_path) / "sla-tick.lock"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

"""SQLite settings for the embedded default: write-ahead log, so readers never wait for a
writer and a commit does not fsync the whole journal; and a busy timeout, so two gunicorn
workers writing at once queue up instead of failing with "database is locked"."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across app crashes; WAL-safe
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def tune_sqlite(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _pragmas)

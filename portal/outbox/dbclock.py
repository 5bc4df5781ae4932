"""The database's clock, for leases: every worker compares a lease with the same clock.

Workers on several hosts disagree about the time by whatever their clocks drift; a lease
written as "this host's now + 5 minutes" and checked against another host's now can run out
early (a repeat) or late (a stall). So a lease deadline and the check whether it has run out
are computed by the database, in SQL, from its own current time:

- PostgreSQL: `statement_timestamp()` (the columns are `timestamp with time zone`, so the
  comparison is between instants whatever the session's time zone). Not `now()`, which is
  the start of the transaction and can be older than the statement.
- SQLite: the columns hold text, written by SQLAlchemy as `YYYY-MM-DD HH:MM:SS.ffffff`
  (UTC, see portal/timeutil.py) and compared as strings. CURRENT_TIMESTAMP has no
  fraction (`YYYY-MM-DD HH:MM:SS`), which sorts before any value of the same second, so it
  is not used; `strftime('%Y-%m-%d %H:%M:%f', 'now')` gives milliseconds and three zeros
  pad it to the same six-digit shape, so text order is time order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.timeutil import UTCDateTime

_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now'{shift}) || '000'"


class db_now(FunctionElement):
    """The database's current time (a UTCDateTime value)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "db_now"


class db_later(FunctionElement):
    """The database's current time plus a number of seconds: a lease deadline."""

    type = UTCDateTime()
    inherit_cache = True
    name = "db_later"


def lease_deadline(lease: timedelta) -> db_later:
    """SQL for "the database's now + lease"."""
    return db_later(literal(lease.total_seconds()))


@compiles(db_now)
def _now_default(element: db_now, compiler: Any, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(db_now, "postgresql")
def _now_postgresql(element: db_now, compiler: Any, **kw: Any) -> str:
    return "statement_timestamp()"


@compiles(db_now, "sqlite")
def _now_sqlite(element: db_now, compiler: Any, **kw: Any) -> str:
    return _SQLITE_NOW.format(shift="")


@compiles(db_later, "postgresql")
def _later_postgresql(element: db_later, compiler: Any, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return f"(statement_timestamp() + make_interval(secs => CAST({seconds} AS float8)))"


@compiles(db_later, "sqlite")
def _later_sqlite(element: db_later, compiler: Any, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return _SQLITE_NOW.format(shift=f", ({seconds}) || ' seconds'")

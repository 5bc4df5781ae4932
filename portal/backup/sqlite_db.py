"""SQLite backups through the online backup API, never a file copy of a live database.

A plain copy of the file can catch a half-written page or miss what is still in the
write-ahead log; the backup API copies a consistent snapshot. With the portal's WAL mode
the copy is one read transaction: writers keep committing while it runs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class DatabaseInUse(RuntimeError):
    """The target database is busy: something (the portal, a worker) still uses it."""


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise ValueError(f"{database_url!r} names no SQLite file")
    return Path(database)


def online_copy(source: Path, dest: Path) -> None:
    """A consistent copy of `source` at `dest`, made while the portal may be writing."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    out = sqlite3.connect(dest)
    try:
        src.backup(out)  # all pages in one step: one snapshot
        out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        out.close()
        src.close()


def check_integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def restore_into(backup_file: Path, target: Path) -> None:
    """Replace the target's content with the backup's, page by page, under its lock.

    Through the backup API rather than a file rename: a process that still had the old
    file open would otherwise keep writing into a deleted file. A target in use is refused.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=2)
    try:
        try:
            dst.execute("BEGIN EXCLUSIVE")
            dst.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            raise DatabaseInUse(
                f"{target} is in use ({exc}): stop the portal and the outbox workers first"
            ) from exc
        src.backup(dst)
    finally:
        dst.close()
        src.close()

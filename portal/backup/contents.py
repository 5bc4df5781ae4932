"""What a database holds, as the manifest records it and a restore checks it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from portal.backup.layout import MAIN_TABLES


@dataclass(frozen=True)
class Contents:
    revision: str | None
    tables: dict[str, int | None]  # None: the table does not exist
    photo_keys: frozenset[str]
    photo_bytes: int

    @property
    def cases(self) -> int:
        return self.tables.get("complaints") or 0


def read_contents(connection: Connection) -> Contents:
    existing = set(inspect(connection).get_table_names())
    tables: dict[str, int | None] = {}
    for name in MAIN_TABLES:
        tables[name] = (
            connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()  # noqa: S608
            if name in existing
            else None
        )
    revision = None
    if "alembic_version" in existing:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    keys: frozenset[str] = frozenset()
    size = 0
    if "complaint_photos" in existing:
        rows = connection.execute(text("SELECT storage_key, byte_size FROM complaint_photos"))
        pairs = [(key, byte_size or 0) for key, byte_size in rows]
        keys = frozenset(key for key, _ in pairs)
        size = sum(byte_size for _, byte_size in pairs)
    return Contents(revision=revision, tables=tables, photo_keys=keys, photo_bytes=size)


def cases_in(connection: Connection) -> int:
    """Cases in a database that may not even have the tables yet."""
    if not inspect(connection).has_table("complaints"):
        return 0
    return connection.execute(text("SELECT count(*) FROM complaints")).scalar_one()

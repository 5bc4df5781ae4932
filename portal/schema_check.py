"""What "the models and the migrated database agree" means, for `flask db check` and the tests.

`migrations/env.py` (so `flask --app wsgi db check` and `db migrate`) and
tests/functional/test_schema.py both take their rules from here, so a developer's check, CI's
check and the test suite can never disagree about what counts as drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

# The pg_trgm GIN indexes behind the queue's text search (migration 0004). They exist only on
# PostgreSQL: SQLite has no trigram indexes and scans, which is fine at its scale. Declared
# on the model, they would be "missing" on every SQLite database; and their operator class is
# qualified with whatever schema pg_trgm was installed into, known only when the migration
# runs. So the comparison leaves them out; tests/functional/test_schema.py checks they exist.
POSTGRESQL_ONLY_INDEXES = frozenset(
    {
        "ix_complaints_title_trgm",
        "ix_complaints_description_trgm",
        "ix_complaints_tracking_code_trgm",
    }
)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's `include_object` hook: everything except the PostgreSQL-only indexes."""
    return not (type_ == "index" and name in POSTGRESQL_ONLY_INDEXES)


def comparison_options(configure_args: Mapping[str, Any]) -> dict[str, Any]:
    """Flask-Migrate's options for Alembic (compare_type, …) plus our include rule.

    A project-wide `include_object` passed to Migrate(...) would win; there is none today.
    """
    options = dict(configure_args)
    options.setdefault("include_object", include_object)
    return options


def schema_drift(app: Flask, connection: Connection, metadata: MetaData) -> list[Any]:
    """What `db check` would report for this database: [] when models and schema agree."""
    options = comparison_options(app.extensions["migrate"].configure_args)
    options.pop("process_revision_directives", None)  # only for writing revision files
    context = MigrationContext.configure(connection, opts=options)
    return compare_metadata(context, metadata)

"""The migrated test database and the models agree, on SQLite and (TEST_DATABASE_URL) PostgreSQL.

The first test is `flask --app wsgi db check` on the suite's own database, with the same
rules (portal/schema_check.py). Alembic compares tables, columns, types and which indexes
exist, but not a partial index's predicate nor PostgreSQL's INCLUDE columns, so the second
test compares those; the third checks the indexes the comparison leaves out.
"""

from __future__ import annotations

import re

from sqlalchemy import inspect

from portal.complaints import status
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.schema_check import POSTGRESQL_ONLY_INDEXES, include_object, schema_drift


def test_the_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        drift = schema_drift(app, connection, db.metadata)
    assert drift == [], "models and migrations disagree; write a migration or fix the model"


def _quoted(predicate: object) -> set[str]:
    """The string literals of an index predicate, as the model or the database spells it."""
    return set(re.findall(r"'([^']*)'", str(predicate)))


def test_partial_and_covering_indexes_are_built_as_declared(app):
    dialect = db.engine.dialect.name
    with db.engine.connect() as connection:
        reflected = {i["name"]: i for i in inspect(connection).get_indexes("complaints")}
    partial = 0
    for index in Complaint.__table__.indexes:
        options = reflected[index.name].get("dialect_options", {})
        where = index.dialect_kwargs.get(f"{dialect}_where")
        if where is None:
            assert f"{dialect}_where" not in options, index.name
        else:
            partial += 1
            # The queue's queries use these indexes only if they hold exactly the open cases.
            assert _quoted(where) == set(status.OPEN), index.name
            assert _quoted(options[f"{dialect}_where"]) == set(status.OPEN), index.name
            assert "status" in str(options[f"{dialect}_where"]), index.name
        if dialect == "postgresql":
            declared = list(index.dialect_kwargs.get("postgresql_include") or [])
            assert options.get("postgresql_include", []) == declared, index.name
    assert partial == 2


def test_the_postgresql_only_indexes_exist_on_postgresql_only(app):
    with db.engine.connect() as connection:
        reflected = {i["name"]: i for i in inspect(connection).get_indexes("complaints")}
    present = POSTGRESQL_ONLY_INDEXES & reflected.keys()
    if db.engine.dialect.name == "postgresql":
        assert present == POSTGRESQL_ONLY_INDEXES
        for name in present:
            assert reflected[name]["dialect_options"]["postgresql_using"] == "gin", name
    else:
        assert present == set()
    assert not any(include_object(None, name, "index", True, None) for name in present)

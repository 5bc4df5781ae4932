"""Fixtures: one app per test session, schema built by running the migrations.

SQLite by default; the same suite on PostgreSQL when TEST_DATABASE_URL is set. Every test
starts from empty tables (rows are deleted after each test), so tests may commit freely,
which the concurrency and double-submit tests need.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import MetaData, create_engine, text
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from qr.payload import ServiceRef, SigningKeys, encode
from tests import helpers

# The browser journeys and the fuzzers are the slow part of the suite and exercise the HTTP
# surface more than the engine: CI runs them once, on PostgreSQL (`-m "not engine_once"` on
# its SQLite pass). A plain `make test` runs them too.
ENGINE_ONCE_FOLDERS = frozenset({"browser", "fuzz"})


# A test that builds no app on the test database (no `test_environ` in its fixtures) and
# names no PostgreSQL setting gives the same answer on either engine: CI runs it on the
# SQLite pass only (`-m "not engine_free"` on its PostgreSQL pass).
DATABASE_FIXTURES = frozenset({"test_environ", "_app", "pg_cluster"})


def _names_the_database(item: pytest.Item, cache: dict) -> bool:
    path = item.path
    if path not in cache:
        source = path.read_text(encoding="utf-8")
        cache[path] = "TEST_DATABASE_URL" in source or "postgres" in source.lower()
    return cache[path]


def pytest_collection_modifyitems(config, items):
    sources: dict = {}
    for item in items:
        if item.path.parent.name in ENGINE_ONCE_FOLDERS:
            item.add_marker(pytest.mark.engine_once)
        elif not DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())) and (
            not _names_the_database(item, sources)
        ):
            item.add_marker(pytest.mark.engine_free)


TEST_QR_KEYS = "T1:test-signing-key-old-0001,T2:test-signing-key-new-0002"


def _database_url(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp / 'test.sqlite3'}"


def _drop_everything(url: str) -> None:
    """Start from nothing so the migrations, not leftovers, build the schema."""
    if url.startswith("sqlite"):
        return
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(scope="session")
def test_environ(tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("instance")
    return {
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "QR_SIGNING_KEYS": TEST_QR_KEYS,
        "PUBLIC_BASE_URL": "http://localhost",
        "DATABASE_URL": _database_url(tmp),
        "INSTANCE_PATH": str(tmp),
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        # Many tests file dozens of reports from one client; the limits have their own tests
        # (tests/functional/test_ratelimits.py), which build an app with them on.
        "RATELIMIT_ENABLED": "0",
    }


@pytest.fixture(scope="session")
def _app(test_environ):
    from flask_migrate import upgrade

    _drop_everything(test_environ["DATABASE_URL"])
    app = create_app(environ=test_environ)

    @app.teardown_request
    def _forget_request_globals(exc):
        """Tests hold an app context, which Flask reuses for every test-client request; in
        production each request gets a fresh one. Clear `g` so a CSRF token or a logged-in
        user cached by one request (or one client) never leaks into the next."""
        g.__dict__.clear()

    with app.app_context():
        # The routing loads on first use; load it before the migrations, as start-up did,
        # so no test finds a version 1 seeded by whichever test happened to run first.
        from portal.routing.active import get_router

        get_router()
        upgrade()
    return app


@pytest.fixture
def app(_app):
    with _app.app_context():
        yield _app
        db.session.rollback()
        empty_tables()
        db.session.remove()


def empty_tables() -> None:
    """Delete every row; the append-only audit trail's triggers are lifted for it alone."""
    from portal.audit import append_only

    with db.engine.begin() as conn:
        dialect = conn.dialect.name
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "audit_log":
                conn.execute(table.delete())
            elif dialect == "postgresql":
                conn.execute(text("TRUNCATE audit_log"))  # fires no row trigger
            else:
                for statement in append_only.drop_statements(dialect):
                    conn.execute(text(statement))
                conn.execute(table.delete())
                for statement in append_only.create_statements(dialect):
                    conn.execute(text(statement))


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test app (same database) served on a free localhost port; yields the base URL.

    Depends on `app`, so it is shut down before `app` empties the tables.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def router(app):
    from portal.routing.active import get_router

    return get_router()


@pytest.fixture
def qr_keys(app) -> SigningKeys:
    return app.config["QR_SIGNING_KEYS"]


@pytest.fixture
def ulin_payload(qr_keys) -> str:
    """The poster payload of RSUD Ulin – Poli Umum – Pendaftaran (Kalimantan Selatan)."""
    return encode(ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), qr_keys)


@pytest.fixture
def h():
    return helpers


@pytest.fixture
def pg_cluster(request):
    """A private PostgreSQL server (tests/pgcluster.py) the test may stop, crash and restart;
    it is up when the test starts, shared by the run and removed at the end."""
    from tests import pgcluster

    request.session.config.add_cleanup(pgcluster.destroy_shared)
    return pgcluster.shared_cluster()

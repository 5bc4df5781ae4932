"""Holes found by attacking portal/observability, each pinned by a real component: what a
PostgreSQL error says about the values a citizen typed, and what a scrape does while the
database holds a lock."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.observability.json_logs import JsonFormatter, TextFormatter
from portal.observability.sentry import before_send

TYPED = "Jalan Mawar rusak parah dekat rumah Bu Sari"


def _pg_errors() -> list[BaseException]:
    """Real errors PostgreSQL raises when a typed value cannot be cast or is out of range."""
    found = []
    for sql in (
        "SELECT CAST(:v AS integer)",
        "SELECT CAST(:v AS date)",
        "SELECT CAST(:v AS numeric)::smallint",
        "SELECT CAST(:v AS timestamp)",
    ):
        value = "99999999" if "smallint" in sql else TYPED
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SET log_parameter_max_length_on_error = -1"))
                connection.execute(text(sql), {"v": value})
        except Exception as exc:  # the point is what the error says
            found.append(exc)
    return found


def test_postgresql_error_messages_lose_the_values_they_quote(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL quotes the value in its message; run with TEST_DATABASE_URL")
    with app.app_context():
        errors = _pg_errors()
    assert len(errors) == 4
    assert any(TYPED in str(e) for e in errors)  # the raw message does hold it
    assert any("99999999" in str(e) for e in errors)
    for error in errors:
        record = logging.LogRecord("portal.x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = (type(error), error, error.__traceback__)
        for formatter in (JsonFormatter(), TextFormatter()):
            line = formatter.format(record)
            record.exc_text = None  # each formatter renders the traceback itself
            for secret in (TYPED, "Bu Sari", "99999999"):
                assert secret not in line, line
        exception = json.loads(JsonFormatter().format(record))["exception"]
        assert "invalid input syntax" in exception or "out of range" in exception  # still useful
        event = {"exception": {"values": [{"type": type(error).__name__, "value": str(error)}]}}
        cleaned = json.dumps(before_send(event, {"exc_info": sys.exc_info()}))
        assert TYPED not in cleaned and "99999999" not in cleaned


def test_a_locked_table_does_not_hold_a_scrape_past_its_timeout(app, client, monkeypatch):
    """A migration or a stuck transaction holding the outbox table must not keep /metrics
    (and the worker) waiting beyond Prometheus's 10 s scrape timeout."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("table locks and statement_timeout are PostgreSQL's")
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "attack-metrics-token-0123456789")
    with app.app_context():
        db.create_all()
        holder = db.engine.connect()
        holder.execute(text("LOCK TABLE outbox_messages IN ACCESS EXCLUSIVE MODE"))
        released = threading.Timer(30, holder.rollback)  # never a hung suite
        released.start()
        try:
            started = time.monotonic()
            response = client.get(
                "/metrics", headers={"Authorization": "Bearer attack-metrics-token-0123456789"}
            )
            took = time.monotonic() - started
        finally:
            released.cancel()
            holder.rollback()
            holder.close()
        assert response.status_code == 200
        assert took < 8, took
        assert "aduan_database_up 0.0" in response.get_data(as_text=True)
        # The timeout was for the scrape only: the next query on a pooled connection has none.
        with db.engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "0"
        again = client.get(
            "/metrics", headers={"Authorization": "Bearer attack-metrics-token-0123456789"}
        )
        assert "aduan_database_up 1.0" in again.get_data(as_text=True)


WORKER = """
from portal.observability import counters
for _ in range(3):
    counters.count_submission("web")
    counters.observe_request("/lacak/<code>", "GET", 200, 0.02)
"""


def _totals(folder) -> tuple[float, float]:
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))
    submitted = registry.get_sample_value("aduan_reports_submitted_total", {"channel": "web"})
    labels = {"route": "/lacak/<code>", "method": "GET", "status_class": "2xx"}
    count = registry.get_sample_value("aduan_http_request_duration_seconds_count", labels)
    return submitted or 0.0, count or 0.0


def test_restarted_workers_do_not_grow_the_metrics_folder(tmp_path, monkeypatch):
    """gunicorn restarts a worker every ~max_requests: each used to leave its counter and
    histogram files behind for good, which every scrape reads."""
    from types import SimpleNamespace

    from portal.observability import gunicorn_hooks

    folder = tmp_path / "metrics"
    monkeypatch.setenv(gunicorn_hooks.MULTIPROC_ENV, str(folder))
    gunicorn_hooks.on_starting(None)
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[2]
    for restarted in range(1, 6):
        worker = subprocess.Popen([sys.executable, "-c", WORKER], cwd=root, env=env)
        assert worker.wait(timeout=60) == 0
        gunicorn_hooks.child_exit(None, SimpleNamespace(pid=worker.pid))
        assert sorted(p.name for p in folder.iterdir()) == [
            "counter_merged.db",
            "histogram_merged.db",
        ]
        assert _totals(folder) == (3.0 * restarted, 3.0 * restarted)  # nothing lost
    # A live worker's own files are added to the merged ones, not replacing them.
    live = subprocess.Popen([sys.executable, "-c", WORKER], cwd=root, env=env)
    assert live.wait(timeout=60) == 0
    assert _totals(folder) == (18.0, 18.0)


def test_objects_among_a_log_calls_params_reach_sentry_cleaned():
    """Sentry's logging integration sends `record.args` as logentry.params and extras as
    they are; an exception there was serialized by its raw repr, e-mail and all."""
    from sentry_sdk.serializer import serialize

    failure = ValueError("550 <siti.aminah@example.org> rejected; SMS to 081234567890")
    record = logging.LogRecord(
        "portal.outbox.worker", logging.ERROR, __file__, 1, "cannot deliver: %s", (failure,), None
    )
    event = {
        "logentry": {
            "message": record.msg,
            "formatted": record.getMessage(),
            "params": record.args,
        },
        "extra": {"recipient": failure},
        "breadcrumbs": {"values": [{"message": "x", "data": {"row": failure}}]},
    }
    sent = json.dumps(serialize(before_send(event, {})), ensure_ascii=False)
    assert "siti.aminah" not in sent and "081234567890" not in sent, sent
    assert "s…@example.org" in sent  # still readable


def test_an_open311_token_in_the_path_is_redacted(app, client):
    """/open311/v2/tokens/<token>.json: Flask's 'Exception on <path>' line and the Sentry
    event's URL carried the token that reads a case's tracking code."""
    token = "Zq9-secretPostToken_42"
    path = f"/open311/v2/tokens/{token}.json"
    assert client.get(path).status_code == 404  # the route really has the token in its path
    line = TextFormatter().format(
        logging.LogRecord(
            "portal", logging.ERROR, __file__, 1, f"Exception on {path} [GET]", (), None
        )
    )
    assert token not in line and "/open311/v2/tokens/[redacted].json" in line
    event = {"request": {"method": "GET", "url": f"http://localhost{path}", "headers": {}}}
    assert token not in json.dumps(before_send(event, {}))

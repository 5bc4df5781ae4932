"""Fault test: a real gunicorn (deploy/gunicorn.conf.py, two workers) on a private PostgreSQL server
that stops and starts under it (tests/pgcluster.py).

Both workers are killed with SIGKILL while the database is down, so gunicorn boots new ones
during the outage (before issue 13 they failed to boot, the master gave up and the port
closed for good). Asserted: the master and the port stay up, /healthz 200, /readyz 503, the
citizen's pages 503 with Retry-After and the typed report given back; once the database is
back /readyz turns 200 by itself, the citizen's "send again" from the 503 page is stored,
and after a restart the workers did not see (dead pooled connections) the very first report
is stored too; every report exactly once and whole.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from qr.payload import ServiceRef, SigningKeys, encode
from tests import helpers
from tests.conftest import TEST_QR_KEYS
from tests.pgcluster import free_port

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="fault tests run once, in the PostgreSQL run",
)

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
WAIT = 90  # seconds any "until" below may take before the test fails
TRACKING = re.compile(r"/lacak/([A-Z]{2,4}-[A-Z0-9]{6})\?t=")


def until(check, what: str, timeout: float = WAIT):
    return helpers.until(check, what, timeout)


def get(url: str, session=None) -> requests.Response | None:
    try:
        return (session or requests).get(url, timeout=10, allow_redirects=False)
    except requests.RequestException:
        return None


def children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def migrate(url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app(environ={**server_environ(url, tmp_path), "APP_ENV": "testing"})
    with app.app_context():
        upgrade()
        from portal.extensions import db

        db.engine.dispose()


def server_environ(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "APP_ENV": "development",
        "SECRET_KEY": "gunicorn-outage-secret-key-long-enough-01",
        "QR_SIGNING_KEYS": TEST_QR_KEYS,
        "PUBLIC_BASE_URL": "http://localhost",
        "DATABASE_URL": url,
        "DATABASE_CONNECT_TIMEOUT": "2",
        "INSTANCE_PATH": str(tmp_path),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "RATELIMIT_ENABLED": "0",  # one client files every report here
    }


@pytest.fixture
def gunicorn(pg_cluster, tmp_path):
    migrate(pg_cluster.url, tmp_path)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN", "WEB_"))},
        **server_environ(pg_cluster.url, tmp_path),
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "-c",
            "deploy/gunicorn.conf.py",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        until(lambda: process.poll() is not None or get(base + "/healthz"), "gunicorn to listen")
        assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
        yield process, base
    finally:
        workers = children(process.pid)
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()
        if not pg_cluster.is_up():  # shared by the run: leave it started
            pg_cluster.start()


def stored(url: str, title: str) -> list[tuple[str, int]]:
    """(tracking code, events) of every complaint with this title."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT c.tracking_code, count(e.id) FROM complaints c "
                    "LEFT JOIN complaint_events e ON e.complaint_id = c.id "
                    "WHERE c.title = :title GROUP BY c.tracking_code"
                ),
                {"title": title},
            )
            return [(code, events) for code, events in rows]
    finally:
        engine.dispose()


def test_a_web_host_survives_a_database_outage_and_recovers_by_itself(
    pg_cluster, gunicorn, tmp_path
):
    master, base = gunicorn
    citizen = requests.Session()
    form_url = (
        base
        + "/q/"
        + encode(
            ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), SigningKeys.parse(TEST_QR_KEYS)
        )
    )
    nonce = str(time.time_ns())
    during = helpers.valid_report(title=f"Dikirim saat gangguan {nonce}")
    after = helpers.valid_report(title=f"Dikirim setelah restart {nonce}")
    until(lambda: (r := get(base + "/readyz")) is not None and r.status_code == 200, "ready")
    fields = helpers.hidden_fields(citizen.get(form_url, timeout=10).text)

    # The database goes away; both workers die and are booted again during the outage.
    pg_cluster.stop()
    old = children(master.pid)
    assert len(old) == 2
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    until(lambda: len(children(master.pid) - old) == 2, "two new workers")
    until(lambda: master.poll() is not None or get(base + "/healthz"), "a restarted worker")
    assert master.poll() is None, "the master gave up: " + (tmp_path / "gunicorn.log").read_text()
    for _ in range(6):  # whichever worker answers
        assert get(base + "/healthz").status_code == 200
        ready = get(base + "/readyz")
        assert ready.status_code == 503 and ready.text == "database unreachable\n"
        page = get(form_url, citizen)
        assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
        assert "Sedang gangguan" in page.text
    sent = citizen.post(form_url, data={**fields, **during}, timeout=10, allow_redirects=False)
    assert sent.status_code == 503 and int(sent.headers["Retry-After"]) > 0
    assert during["title"] in sent.text and during["description"] in sent.text
    assert master.poll() is None and len(children(master.pid)) == 2

    # Back: /readyz turns 200 by itself, and "send again" from the 503 page is stored.
    pg_cluster.start()
    started = time.monotonic()
    until(lambda: get(base + "/readyz").status_code == 200, "/readyz 200 after the restart")
    print(f"\n/readyz 200 {time.monotonic() - started:.2f} s after the database started")
    again = {**helpers.hidden_fields(sent.text), "title": during["title"]}
    again["description"] = during["description"]
    resent = citizen.post(form_url, data=again, timeout=10, allow_redirects=False)
    assert resent.status_code == 303, resent.text[:500]
    [(code, events)] = stored(pg_cluster.url, during["title"])
    assert TRACKING.search(resent.headers["Location"]).group(1) == code and events >= 1

    # A restart the workers do not see: their pooled connections are dead. The very first
    # report after it is stored (pool_pre_ping replaces them), once.
    fields = helpers.hidden_fields(citizen.get(form_url, timeout=10).text)
    pg_cluster.stop()
    pg_cluster.start()
    first = citizen.post(form_url, data={**fields, **after}, timeout=10, allow_redirects=False)
    assert first.status_code == 303, first.text[:500]
    [(code, events)] = stored(pg_cluster.url, after["title"])
    assert TRACKING.search(first.headers["Location"]).group(1) == code and events >= 1
    assert master.poll() is None
    assert "Worker failed to boot" not in (tmp_path / "gunicorn.log").read_text()

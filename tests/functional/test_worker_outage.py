"""`outbox work` against a PostgreSQL server that is stopped, crashed and restarted under it.

A real worker process, a real SMTP server (aiosmtpd) and the private server of
tests/pgcluster.py: the worker must still be running after every outage, deliver every
e-mail exactly once (counted by Message-ID at the SMTP server) and stop cleanly on SIGTERM,
also when SIGTERM comes while it waits for the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notifications.models import SENT, OutboxMessage
from portal.notifications.outbox import add_message
from portal.timeutil import utcnow
from tests.components import unavailable
from tests.conftest import _drop_everything
from tests.functional.test_outbox import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
GUARD = 120  # seconds: a guard against a hanging test, never a timed assertion

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="fault tests run once, in the PostgreSQL run",
)


class Worker:
    """`flask --app wsgi outbox work` in a subprocess, its output collected as it comes."""

    def __init__(self, env: dict[str, str], *options: str):
        self.lines: list[str] = []
        command = ["outbox", "work", "--poll", "0.2", *options]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def failures(self, what: str = "outbox round") -> int:
        return sum(f"{what} failed" in line for line in self.lines)

    def wait_for_failures(self, more_than: int, what: str = "outbox round") -> None:
        """Until the worker has logged another failed round (it noticed the outage)."""
        wait_until(lambda: self.failures(what) > more_than or self.process.poll() is not None)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=GUARD)
        self._reader.join(timeout=GUARD)
        return "".join(self.lines)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def wait_until(condition, guard: float = GUARD) -> bool:
    """Poll until `condition()` holds (True) or the guard runs out (False)."""
    deadline = time.monotonic() + guard
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return bool(condition())


@pytest.fixture
def smtp_server():
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        unavailable("aiosmtpd is not installed (pip install aiosmtpd)")
    server = SmtpServer()
    server.up()
    yield server
    server.down()


@pytest.fixture
def outage(pg_cluster, test_environ, smtp_server):
    """(app on the private server, worker environment, cluster, smtp), schema migrated."""
    from flask_migrate import upgrade

    environ = {**test_environ, "DATABASE_URL": pg_cluster.url}
    _drop_everything(pg_cluster.url)
    pg_app = create_app(environ=environ)
    with pg_app.app_context():
        upgrade()
        db.session.remove()
    env = {
        **os.environ,
        **environ,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
    }
    env.pop("CI", None)
    try:
        yield pg_app, env, pg_cluster, smtp_server
    finally:
        if not pg_cluster.is_up():
            pg_cluster.start()  # shared by the run: leave it up
        with pg_app.app_context():
            db.engine.dispose()


def seed(app, prefix: str, n: int) -> None:
    with app.app_context():
        for i in range(n):
            add_message(
                "digest",
                f"{prefix}{i}@example.org",
                {"region_name": "Kalimantan Selatan", "day": "2026-12-28", "cases": []},
                region_id="kalsel",
            )
        db.session.commit()
        db.session.remove()


def row_states(app) -> str:
    with app.app_context():
        rows = db.session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.attempts,
                OutboxMessage.claimed_by,
                OutboxMessage.locked_until,
                OutboxMessage.last_error,
                OutboxMessage.next_attempt_at,
            ).order_by(OutboxMessage.id)
        ).all()
        db.session.remove()
    return "\n".join(map(str, rows))


def sent_rows(app) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == SENT)
        )
        db.session.remove()
        return count


def test_the_worker_outlives_a_stop_and_a_crash_and_sends_everything_once(outage):
    app, env, cluster, smtp = outage
    worker = Worker(env, "--tick-every", "0.5")  # the deadline tick fails with it, harmlessly
    try:
        seed(app, "sebelum", 5)
        wait_until(lambda: sent_rows(app) == 5)
        assert len(smtp.inbox.messages) == 5, "".join(worker.lines)

        seeded = 5
        for fault in (cluster.stop, cluster.crash):
            failures = worker.failures()
            fault()
            worker.wait_for_failures(failures)
            assert worker.alive(), "".join(worker.lines)
            assert worker.failures() > failures  # it noticed, and kept going
            cluster.start()
            seed(app, fault.__name__, 5)
            seeded += 5
            # Every outcome recorded before the next fault: a fault between the SMTP
            # server's 250 and that record is the lease's business (a re-send after it).
            # Counted from the rows seeded, never from the inbox, which may already hold
            # some of the new messages (or not yet), so the fault never lands mid-batch.
            assert wait_until(lambda: sent_rows(app) == seeded), (  # noqa: B023
                "".join(worker.lines) + row_states(app)
            )
            assert worker.alive(), "".join(worker.lines)

        assert len(smtp.inbox.messages) == 15
        assert set(smtp.inbox.ids().values()) == {1}  # no Message-ID twice
        assert sent_rows(app) == 15, "".join(worker.lines)

        failures, tick_failures = worker.failures(), worker.failures("sla tick")
        cluster.stop()  # SIGTERM while it waits for the database: it stops all the same
        worker.wait_for_failures(failures)
        worker.wait_for_failures(tick_failures, "sla tick")
        assert worker.alive(), "".join(worker.lines)
        output = worker.stop()
    finally:
        worker.kill()
        if not cluster.is_up():
            cluster.start()
    assert worker.process.returncode == 0, output
    assert "sent: 15, retry later: 0, dead: 0" in output
    # One line per failure, as an outage (no traceback of its own; routing/active.py logs
    # its own when a routing check between ticks finds the database gone).
    own = [line for line in worker.lines if " in resilience: " in line]
    assert own and all("failed (" in line or "works again" in line for line in own), output
    assert worker.failures("sla tick") > tick_failures


def test_a_worker_started_while_the_database_is_down_delivers_once_it_is_up(outage):
    app, env, cluster, smtp = outage
    seed(app, "menunggu", 4)
    cluster.stop()
    try:
        create_app(environ=env)  # the app itself boots without its database
        worker = Worker(env)
        try:
            worker.wait_for_failures(0)
            assert worker.alive(), "".join(worker.lines)
            cluster.start()
            wait_until(lambda: len(smtp.inbox.messages) >= 4)
            assert len(smtp.inbox.messages) == 4
            assert set(smtp.inbox.ids().values()) == {1}
            wait_until(lambda: sent_rows(app) == 4)
            output = worker.stop()
        finally:
            worker.kill()
    finally:
        if not cluster.is_up():
            cluster.start()
    assert worker.process.returncode == 0, output
    assert "sent: 4, retry later: 0, dead: 0" in output
    assert sent_rows(app) == 4


def _hold_state(app, code: str) -> tuple[str, int]:
    """The case's status and how many "hold expired" notices were written for it."""
    with app.app_context():
        case = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
        notices = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.complaint_id == case.id, OutboxMessage.template == "hold_expired")
        )
        state = (case.status, notices)
        db.session.remove()
    return state


def test_a_hold_that_ran_out_while_the_database_was_down_ends_once_it_is_back(outage):
    """The worker's tick ends a hold nobody answered; with the database gone it fails each
    round, and the first round after the database returns ends the hold, once."""
    from portal.routing.active import get_router
    from tests.factories import stored_complaint

    app, env, cluster, _smtp = outage
    with app.app_context():
        get_router()
        code = stored_complaint(
            status=s.ON_HOLD,
            hold_started_at=utcnow() - timedelta(days=60),
            hold_return_status=s.VERIFIED,
            reporter_email="warga@example.org",
            notify_via="email",
        ).tracking_code
        db.session.remove()
    cluster.stop()
    worker = Worker(env, "--tick-every", "0.5")
    try:
        worker.wait_for_failures(0, "sla tick")
        assert worker.alive(), "".join(worker.lines)
        assert worker.failures("sla tick") > 0
        cluster.start()
        assert wait_until(lambda: _hold_state(app, code) == (s.VERIFIED, 1)), "".join(worker.lines)
        time.sleep(1.5)  # a few more ticks: the hold is not ended twice
        assert _hold_state(app, code) == (s.VERIFIED, 1)
        assert worker.alive(), "".join(worker.lines)
        output = worker.stop()
    finally:
        worker.kill()
        if not cluster.is_up():
            cluster.start()
    assert worker.process.returncode == 0, output

"""The outbox against a real SMTP server (aiosmtpd on localhost) and a real worker.

No mocks and no sleeping: time is passed in (`now`), the server is really stopped and
started, and refusals come from the server itself (550 for chosen recipients).
"""

from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from portal.accounts.services import create_user
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notifications.delivery import EmailChannel
from portal.notifications.models import DEAD, PENDING, SENT, OutboxMessage
from portal.notifications.outbox import add_message
from portal.outbox.backoff import DEFAULT_SCHEDULE, backoff
from portal.outbox.worker import deliver_batch
from tests.components import unavailable
from tests.functional.case_actions import ACCOUNTS, PASSWORD, act
from tests.helpers import drain_concurrently

ROOT = Path(__file__).resolve().parents[2]


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses chosen recipients."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server on localhost that a test can take down and bring back up."""

    def __init__(self):
        self.inbox = Inbox()
        self.port = _free_port()
        self.controller = None

    def up(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        unavailable("aiosmtpd is not installed (pip install aiosmtpd)")
    server = SmtpServer()
    server.up()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.down()
    app.config.update(saved)


def deliver_all(now: datetime | None = None):
    """Run the worker until nothing is due at `now` (what `outbox send --once` does)."""
    now = now or datetime.now(UTC)
    totals = Counter()
    while True:
        result = deliver_batch(EmailChannel(), now=now)
        if result.handled == 0:
            return totals
        totals.update(sent=result.sent, retried=result.retried, dead=result.gave_up)


def rows(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    stmt = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(db.session.execute(stmt).scalars())


def add_messages(n: int, prefix: str = "warga") -> list[str]:
    """Add n receipt-like messages without a case (plain values, like the worker sees)."""
    for i in range(n):
        add_message("digest", f"{prefix}{i}@example.org", _digest_context(), region_id="kalsel")
    db.session.commit()
    return [f"{prefix}{i}@example.org" for i in range(n)]


def _digest_context() -> dict:
    return {"region_name": "Kalimantan Selatan", "day": "2026-12-28", "cases": []}


# --- delivery -------------------------------------------------------------------------------


def test_a_report_is_acknowledged_and_staff_hear_of_it(app, client, h, ulin_payload, router, smtp):
    create_user(router, password=PASSWORD, **ACCOUNTS["admin"])
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    assert deliver_all()["sent"] == 3

    (receipt,) = smtp.inbox.to("siti@example.org")
    assert code in receipt["Subject"] and "terima" in receipt["Subject"]
    assert receipt["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert receipt["Message-ID"] == rows(recipient="siti@example.org")[0].message_id
    assert receipt["Auto-Submitted"] == "auto-generated"
    text = receipt.get_body(("plain",)).get_content()
    html = receipt.get_body(("html",)).get_content()
    link = f"http://localhost/lacak/{code}?t={token}"
    assert link in text and f'href="{link}"' in html

    for staff in ("humas.rsudulin@example.org", "admin@kalsel.example.org"):
        (mail,) = smtp.inbox.to(staff)
        assert code in mail["Subject"] and "Laporan baru" in mail["Subject"]
        assert f"http://localhost/staf/kasus/{code}" in mail.get_body(("plain",)).get_content()
    assert all(r.status == SENT for r in rows())


def test_an_english_speaking_citizen_gets_english_mail(client, h, ulin_payload, smtp):
    client.get("/bahasa/en")
    code, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    deliver_all()
    (receipt,) = smtp.inbox.to("siti@example.org")
    assert receipt["Subject"] == f"We have received report {code}"
    assert receipt["Content-Language"] == "en"
    (staff,) = smtp.inbox.to("humas.rsudulin@example.org")
    assert "Laporan baru" in staff["Subject"]  # staff read Indonesian


def test_server_down_then_up_delivers_everything_once(app, smtp):
    addresses = add_messages(5)
    smtp.down()
    t0 = datetime.now(UTC)
    assert deliver_all(t0) == Counter(retried=5)
    # no SMTP session: it counts as the first message's attempt only, the rest wait as long
    assert [(r.status, r.attempts) for r in rows()] == [(PENDING, 1)] + [(PENDING, 0)] * 4
    assert all(r.next_attempt_at == t0 + backoff(1) for r in rows())
    assert deliver_all(t0 + timedelta(seconds=30)) == Counter()  # not due yet: no attempt

    smtp.up()
    assert deliver_all(t0 + backoff(1))["sent"] == 5
    assert deliver_all(t0 + timedelta(days=1)) == Counter()
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(addresses)
    assert set(smtp.inbox.ids().values()) == {1}


def test_a_silent_mail_server_is_unreachable_not_a_hang(app):
    """A server that accepts the connection and never speaks (a dead relay behind a load
    balancer) fails the batch after MAIL_TIMEOUT; without the timeout the worker, and the
    lease its keeper renews, would wait for ever."""
    add_messages(3)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever answers
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=0.5)
    outcome: dict = {}

    def deliver() -> None:
        with app.app_context():
            outcome["result"] = deliver_batch(EmailChannel())

    worker = threading.Thread(target=deliver, daemon=True)
    try:
        worker.start()
        worker.join(timeout=60)  # a bound for a broken build, not a speed check
        assert not worker.is_alive(), "the worker hung on a silent mail server"
    finally:
        app.config.update(saved)
        silent.close()
    assert outcome["result"].retried == 3 and outcome["result"].sent == 0
    assert [(r.status, r.attempts) for r in rows()] == [(PENDING, 1)] + [(PENDING, 0)] * 2


def test_backoff_doubles_then_stops_at_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 11)] == [
        60,
        120,
        240,
        3600,
        3600,
        3600,
    ]


def test_a_message_is_retried_for_three_days_then_dead(app, smtp):
    add_messages(1)
    smtp.down()
    first = now = datetime.now(UTC)
    while True:  # every attempt as soon as it is due, as a worker does
        deliver_all(now)
        (row,) = rows()
        if row.status != PENDING:
            break
        if row.attempts == 12:  # the old limit (about six hours): still trying
            assert now - first < timedelta(hours=7)
        now = row.next_attempt_at
    assert row.status == DEAD and row.attempts == DEFAULT_SCHEDULE.attempts_allowed() > 12
    assert timedelta(hours=72) <= now - first < timedelta(hours=73)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()


def test_outbox_max_attempts_still_caps_the_tries_when_set(app, smtp):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    try:
        add_messages(1)
        smtp.down()
        now = datetime.now(UTC)
        for _ in range(3):
            deliver_all(now)
            now += timedelta(hours=2)
        (row,) = rows()
        assert row.status == DEAD and row.attempts == 3
    finally:
        app.config["OUTBOX_MAX_ATTEMPTS"] = None


def test_a_refused_recipient_is_dead_and_the_others_still_arrive(app, smtp):
    add_messages(3)
    smtp.inbox.refuse.add("warga1@example.org")
    add_message("digest", "not an address", _digest_context())
    db.session.commit()
    assert deliver_all() == Counter(sent=2, dead=2)

    refused = rows(recipient="warga1@example.org")[0]
    assert refused.status == DEAD and "550" in refused.last_error
    invalid = rows(recipient="not an address")[0]
    assert invalid.status == DEAD and "invalid recipient" in invalid.last_error
    assert sorted(m["To"] for m in smtp.inbox.messages) == [
        "warga0@example.org",
        "warga2@example.org",
    ]


def test_a_template_error_kills_the_message_not_the_case_change(
    app, staff, case, smtp, monkeypatch
):
    code, _ = case
    broken = DictLoader({"email/verified/body.html": "{% if %}broken"})
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([broken, app.jinja_env.loader]))
    app.jinja_env.cache.clear()
    response = act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    assert response.status_code in (302, 303)
    deliver_all()
    app.jinja_env.cache.clear()

    verified = rows(template="verified")[0]
    assert verified.status == DEAD and "TemplateSyntaxError" in verified.last_error
    complaint = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
    assert complaint.status == "verified"  # the case change stayed committed
    assert smtp.inbox.to("poli@kalsel.example.org")  # other messages of the change went out


def test_a_message_keeps_its_message_id_when_sent_again(app, smtp):
    add_messages(1)
    smtp.inbox.refuse.add("warga0@example.org")
    deliver_all()
    (row,) = rows()
    assert row.status == DEAD
    smtp.inbox.refuse.clear()
    from portal.notifications.delivery import resend

    assert resend(row.id)
    assert deliver_all()["sent"] == 1
    assert smtp.inbox.messages[0]["Message-ID"] == row.message_id


def test_a_killed_worker_loses_nothing(app, smtp):
    """A worker that claimed rows and died: after the lease they are sent by another."""
    add_messages(3)
    from sqlalchemy import update

    from portal.outbox.worker import claim

    now = datetime.now(UTC)
    assert len(claim(EmailChannel(), "dead-worker", now, 10)) == 3  # …and the worker is killed
    assert deliver_all(now)["sent"] == 0  # still leased
    assert deliver_all(now + timedelta(days=1))["sent"] == 0  # by the database's clock
    db.session.execute(  # the lease runs out (without waiting five minutes)
        update(OutboxMessage).values(locked_until=datetime(2000, 1, 1, tzinfo=UTC))
    )
    db.session.commit()
    assert deliver_all(now)["sent"] == 3
    assert set(smtp.inbox.ids().values()) == {1}


def test_rows_are_written_with_the_change_or_not_at_all(app, staff, case):
    code, _ = case
    before = len(rows())
    response = act(staff["admin"], code, "verify", version=0, target="rsud-ulin/poli-umum")
    assert response.status_code == 409  # a stale page: nothing changed, nothing written
    assert len(rows()) == before


# --- several workers ------------------------------------------------------------------------


def test_two_workers_on_postgresql_never_send_the_same_row_twice(app, smtp):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; run with TEST_DATABASE_URL")
    add_messages(120)
    now = datetime.now(UTC)
    drain_concurrently(app, EmailChannel, workers=2, now=now, limit=7)
    assert len(smtp.inbox.messages) == 120
    assert set(smtp.inbox.ids().values()) == {1}
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    assert counts == {SENT: 120}


# --- command line ---------------------------------------------------------------------------


def test_send_once_without_a_mail_server_writes_eml_files(app, tmp_path):
    add_messages(2)
    saved = app.config["MAIL_FILE_DIR"]
    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    try:
        result = app.test_cli_runner().invoke(args=["outbox", "send", "--once"])
    finally:
        app.config["MAIL_FILE_DIR"] = saved
    assert result.exit_code == 0, result.output
    assert "sent: 2" in result.output
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert parsed["Message-ID"] in {r.message_id for r in rows()}


def test_the_worker_delivers_and_stops_cleanly_on_sigterm(app, smtp, test_environ):
    add_messages(2)
    env = {**os.environ, **test_environ, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port)}
    env.pop("CI", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work", "--poll", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60  # a guard against hanging, not a timed assertion
        while len(smtp.inbox.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "sent: 2" in output
    assert len(smtp.inbox.messages) == 2

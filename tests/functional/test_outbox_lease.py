"""At most once per claim, with real peers slower than the lease (issue 13, finding 3).

A real SMTP server (aiosmtpd) and a real HTTP peer (lapor_server.py) take longer per message
than the workers' lease; several workers deliver at once, each with its own app context,
session and connection. With a lease that is never renewed, a second worker takes over rows
the first still works on and they go out twice; with the lease kept alive and each row
checked against the claim right before it is sent, every Message-ID and idempotency key
arrives exactly once. A worker killed with SIGKILL mid-batch repeats at most the one
message it was sending, under the same Message-ID, once its lease has run out.

The peers sleep (that is what "slow" means here); nothing asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.national.delivery import MirrorChannel
from portal.national.models import NationalMirrorItem
from portal.notifications.delivery import EmailChannel
from portal.notifications.models import SENT, OutboxMessage
from portal.notifications.outbox import add_message
from portal.outbox.channel import Channel
from portal.outbox.worker import deliver_batch
from tests.components import unavailable
from tests.functional.lapor_server import TOKEN, LaporServer
from tests.functional.national_helpers import case_in

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.5  # seconds; every peer below takes longer than this for one message
SLOW = 1.8  # seconds the peers take per message


class SlowInbox:
    """An aiosmtpd handler that takes `delay` seconds to accept each message. It counts a
    message as received when its data has arrived, before the wait: a sender killed during
    the wait has still handed it over (as with a real server that then loses the client)."""

    def __init__(self, delay: float):
        self.delay = delay
        self.ids: Counter = Counter()
        self.order: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.ids[message["Message-ID"]] += 1
            self.order.append(message["Message-ID"])
        await asyncio.sleep(self.delay)
        return "250 OK"


@pytest.fixture
def slow_smtp(app):
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        unavailable("aiosmtpd is not installed (pip install aiosmtpd)")
    inbox = SlowInbox(SLOW)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "OUTBOX_LEASE_SECONDS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, OUTBOX_LEASE_SECONDS=LEASE)
    inbox.port = port
    yield inbox
    controller.stop()
    app.config.update(saved)


def add_messages(n: int) -> set[str]:
    for i in range(n):
        context = {"region_name": "Kalimantan Selatan", "day": "2026-12-28", "cases": []}
        add_message("digest", f"warga{i}@example.org", context, region_id="kalsel")
    db.session.commit()
    return set(db.session.execute(select(OutboxMessage.message_id)).scalars())


def unfinished(model: type) -> int:
    return db.session.execute(
        select(func.count()).select_from(model).where(model.status != SENT)
    ).scalar_one()


def work_concurrently(
    app,
    make_channel: Callable[[], Channel],
    *,
    limits: list[int],
    first_busy: Callable[[], bool] | None = None,
) -> None:
    """Workers (threads, each with its own app context and connection; one per batch size
    in `limits`) deliver until every row is sent. A worker that finds nothing due while rows
    are still out (leased to another worker) waits and looks again, as `outbox work` does.
    With `first_busy`, the others start once the first worker is busy with its batch."""
    errors: list[BaseException] = []
    deadline = time.monotonic() + 180  # a guard against hanging, not a timed assertion

    def work(limit: int) -> None:
        try:
            with app.app_context():
                channel = make_channel()
                while time.monotonic() < deadline:
                    if deliver_batch(channel, limit=limit).handled == 0:
                        if unfinished(channel.model) == 0:
                            break
                        time.sleep(0.1)
                    db.session.remove()
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(limit,)) for limit in limits]
    threads[0].start()
    while first_busy is not None and not first_busy() and time.monotonic() < deadline:
        time.sleep(0.01)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_a_slow_smtp_server_outliving_the_lease_gets_every_message_once(app, slow_smtp):
    ids = add_messages(20)
    work_concurrently(app, EmailChannel, limits=[4, 4, 4])
    assert set(slow_smtp.ids) == ids  # nothing lost
    assert set(slow_smtp.ids.values()) == {1}  # nothing sent twice
    db.session.expire_all()
    states = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert Counter(states) == {(SENT, 1): 20}


@pytest.fixture
def slow_lapor(app):
    def slowly(document: dict) -> int:
        time.sleep(SLOW)
        return 201

    server = LaporServer(decide=slowly).start()
    keys = ("NATIONAL_CONNECTOR", "NATIONAL_URL", "NATIONAL_TOKEN", "NATIONAL_TIMEOUT")
    saved = {k: app.config.get(k) for k in (*keys, "OUTBOX_LEASE_SECONDS")}
    app.config.update(
        NATIONAL_CONNECTOR="http",
        NATIONAL_URL=server.url,
        NATIONAL_TOKEN=TOKEN,
        NATIONAL_TIMEOUT=30,
        OUTBOX_LEASE_SECONDS=LEASE,
    )
    yield server
    server.stop()
    app.config.update(saved)


def test_a_slow_lapor_peer_outliving_the_lease_gets_every_item_once(app, slow_lapor):
    """One worker takes the whole queue; two more come while it is busy and find nothing."""
    for _ in range(6):
        case_in("kalsel")
    keys = set(db.session.execute(select(NationalMirrorItem.idempotency_key)).scalars())
    work_concurrently(
        app, MirrorChannel, limits=[6, 2, 2], first_busy=lambda: bool(slow_lapor.attempts)
    )
    assert Counter(slow_lapor.attempts) == dict.fromkeys(keys, 1)  # counted at the peer
    assert sorted(slow_lapor.keys()) == sorted(keys)
    db.session.expire_all()
    states = db.session.execute(select(NationalMirrorItem.status)).scalars()
    assert Counter(states) == {SENT: 6}


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="fault tests run once, in the PostgreSQL run",
)
def test_a_worker_killed_mid_batch_repeats_at_most_the_message_in_flight(
    app, slow_smtp, test_environ
):
    slow_smtp.delay = 0.5
    ids = add_messages(10)
    env = {
        **os.environ,
        **test_environ,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(slow_smtp.port),
        "OUTBOX_LEASE_SECONDS": "2",
    }
    env.pop("CI", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work", "--poll", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60  # a guard against hanging, not a timed assertion
        while len(slow_smtp.order) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)  # mid-batch: no chance to hand anything back
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    with slow_smtp.lock:
        before_kill = list(slow_smtp.order)
    db.session.expire_all()
    sent_before = set(
        db.session.execute(
            select(OutboxMessage.message_id).where(OutboxMessage.status == SENT)
        ).scalars()
    )
    assert 3 <= len(before_kill) < 10 and len(sent_before) < 10  # the kill landed mid-batch

    work_concurrently(app, EmailChannel, limits=[50])  # waits out the lease

    assert set(slow_smtp.ids) == ids  # nothing lost
    repeated = {mid for mid, n in slow_smtp.ids.items() if n > 1}
    assert set(slow_smtp.ids.values()) <= {1, 2} and len(repeated) <= 1
    # only the message in flight at the kill: handed over, but not recorded as sent
    assert repeated <= {before_kill[-1]} - sent_before
    db.session.expire_all()
    states = db.session.execute(select(OutboxMessage.status)).scalars()
    assert Counter(states) == {SENT: 10}

"""The HTTP connector against a real HTTP server on 127.0.0.1 (tests/functional/lapor_server).

No mocks and no sleeping for backoff: time is passed in (`now`); the server really answers
503, really drops the connection, really hangs past the client's timeout, refuses a bad
token, and finally accepts.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.national.delivery import MirrorChannel
from portal.national.models import FAILED, PENDING, SENT, NationalMirrorItem
from portal.outbox.backoff import backoff
from portal.outbox.registry import channel_named, registered
from portal.outbox.worker import deliver_all_due, deliver_round, run
from tests.functional.case_actions import act
from tests.functional.lapor_server import TOKEN, LaporServer
from tests.functional.national_helpers import items, items_of
from tests.helpers import drain_concurrently


@pytest.fixture
def lapor(app):
    """A running LAPOR! stand-in, and the app configured to post to it."""
    server = LaporServer().start()
    keys = (
        "NATIONAL_CONNECTOR",
        "NATIONAL_URL",
        "NATIONAL_TOKEN",
        "NATIONAL_TIMEOUT",
        "NATIONAL_MAX_ATTEMPTS",
    )
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(NATIONAL_CONNECTOR="http", NATIONAL_URL=server.url, NATIONAL_TOKEN=TOKEN)
    app.config["NATIONAL_TIMEOUT"] = 0.5
    yield server
    server.stop()
    app.config.update(saved)


def send_due(now: datetime | None = None) -> tuple[int, int, int]:
    """What `national send --once` does: (sent, retried, failed) until nothing is due."""
    result = deliver_all_due(MirrorChannel(), now=now)
    return result.sent, result.retried, result.gave_up


def test_retried_through_an_outage_then_delivered_once_and_in_order(lapor, staff, case):
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    report, verified = items_of(code)
    lapor.script = [503, "drop", "hang"]

    t0 = datetime.now(UTC)
    assert send_due(t0) == (0, 1, 0)  # 503; the verify item waits
    first = items(id=report.id)[0]
    assert first.status == PENDING and first.attempts == 1 and "503" in first.last_error
    assert first.next_attempt_at == t0 + backoff(1)
    assert items(id=verified.id)[0].attempts == 0  # never tried before the report
    assert send_due(t0 + timedelta(seconds=30)) == (0, 0, 0)  # not due

    t1 = t0 + backoff(1)
    assert send_due(t1) == (0, 1, 0)  # connection dropped
    assert "RemoteDisconnected" in items(id=report.id)[0].last_error
    t2 = t1 + backoff(2)
    assert send_due(t2) == (0, 1, 0)  # no answer within the timeout
    assert "timed out" in items(id=report.id)[0].last_error.lower()

    t3 = t2 + backoff(3)
    assert send_due(t3) == (2, 0, 0)
    assert lapor.codes() == [(code, "submitted"), (code, "verify")]
    assert lapor.keys() == [report.idempotency_key, verified.idempotency_key]
    assert {r.authorization for r in lapor.delivered} == {f"Bearer {TOKEN}"}
    sent = items_of(code)
    assert [(i.status, i.attempts, i.connector) for i in sent] == [
        (SENT, 4, "http"),
        (SENT, 1, "http"),
    ]
    assert [i.remote_ref for i in sent] == ["LAPOR-1", "LAPOR-2"]
    assert sent[0].last_error is None and sent[0].sent_at == t3
    assert send_due(t3 + timedelta(days=1)) == (0, 0, 0)
    assert len(lapor.delivered) == 2


def test_a_refusal_fails_at_once_with_the_answer(lapor, case):
    lapor.default = 400
    assert send_due() == (0, 0, 1)
    (item,) = items()
    assert item.status == FAILED and item.attempts == 1
    assert "400" in item.last_error and "kode wilayah salah" in item.last_error
    assert len(lapor.attempts) == 1


def test_a_wrong_token_is_refused_by_the_server_and_fails(app, lapor, case):
    app.config["NATIONAL_TOKEN"] = "salah"
    assert send_due() == (0, 0, 1)
    assert "401" in items()[0].last_error and "token tidak sah" in items()[0].last_error
    assert lapor.delivered == []


def test_busy_and_throttled_answers_are_retried(lapor, case):
    lapor.script = [429, 408]
    now = datetime.now(UTC)
    assert send_due(now) == (0, 1, 0)
    assert "429" in items()[0].last_error
    now += backoff(1)
    assert send_due(now) == (0, 1, 0)
    now += backoff(2)
    assert send_due(now) == (1, 0, 0)


def test_unreachable_server_stops_the_batch_without_waiting_out_every_item(
    app, lapor, client, h, ulin_payload
):
    for _ in range(3):
        h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    lapor.stop()  # nothing listens on the port any more: connection refused
    started = time.monotonic()
    assert send_due() == (0, 3, 0)
    assert time.monotonic() - started < 5
    first, *rest = items()
    assert len(lapor.attempts) == 0 and first.status == PENDING and first.attempts == 1
    assert all(i.status == PENDING and i.attempts == 0 for i in rest)  # only one was tried
    assert {i.last_error for i in rest} == {f"not tried: {first.last_error}"}
    assert {i.next_attempt_at for i in rest} == {first.next_attempt_at}  # held back as long


def test_after_max_attempts_an_item_fails_is_shown_and_can_be_sent_again(
    app, lapor, staff, case, h
):
    code, _ = case
    app.config["NATIONAL_MAX_ATTEMPTS"] = 3
    lapor.default = 503
    now = datetime.now(UTC)
    for _ in range(3):
        send_due(now)
        now += timedelta(hours=2)
    (item,) = items()
    assert item.status == FAILED and item.attempts == 3 and "503" in item.last_error
    assert len(lapor.attempts) == 3

    status = app.test_cli_runner().invoke(args=["national", "status"]).output
    assert "failed: 1" in status and code in status and "attempts=3" in status
    assert "HTTP 503" in status
    page = staff["admin"].get("/staf/nasional/").get_data(as_text=True)
    assert code in page and "HTTP 503" in page
    assert f"/staf/nasional/{item.id}/kirim-ulang" in page

    lapor.default = 201
    result = app.test_cli_runner().invoke(args=["national", "retry", str(item.id)])
    assert result.exit_code == 0, result.output
    sent = app.test_cli_runner().invoke(args=["national", "send", "--once"])
    assert sent.exit_code == 0 and "sent: 1" in sent.output, sent.output
    assert items()[0].status == SENT
    assert lapor.codes() == [(code, "submitted")]


def test_a_failed_item_holds_back_its_case_only(lapor, staff, client, h, ulin_payload):
    blocked, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    other, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    for code in (blocked, other):
        act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
        act(staff["unit"], code, "respond", text="Sudah kami tangani.")
    lapor.decide = lambda doc: 422 if doc["kode_pelacakan"] == blocked else 201

    assert send_due() == (3, 0, 1)
    assert lapor.codes() == [(other, "submitted"), (other, "verify"), (other, "respond")]
    assert [i.status for i in items_of(blocked)] == [FAILED, PENDING, PENDING]

    lapor.decide = None
    from portal.national.delivery import retry

    assert retry(items_of(blocked)[0].id)
    assert send_due() == (3, 0, 0)
    assert [k for c, k in lapor.codes() if c == blocked] == ["submitted", "verify", "respond"]
    assert all(i.status == SENT for i in items())


def test_the_outbox_worker_round_delivers_only_with_the_http_connector(app, lapor, case):
    mirror = [channel_named("national")]  # as the app factory registered it for `outbox work`
    app.config["NATIONAL_CONNECTOR"] = "export"
    assert deliver_round(mirror, worker_id="w1") == {}  # not run at all
    assert items()[0].status == PENDING
    app.config["NATIONAL_CONNECTOR"] = "http"
    assert deliver_round(mirror, worker_id="w1")["national"].handled == 1
    assert items()[0].status == SENT


def test_the_long_running_outbox_worker_delivers_mirror_items(app, lapor, case):
    stop = threading.Event()
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                run(registered(), stop, poll_seconds=0.05)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    deadline = time.monotonic() + 30  # a guard against hanging, not a timed assertion
    while not lapor.delivered and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(30)
    assert not errors and not worker.is_alive()
    assert len(lapor.delivered) == 1 and items()[0].status == SENT


def test_two_workers_on_postgresql_deliver_each_item_once_and_in_order(
    app, lapor, staff, client, h, ulin_payload
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; run with TEST_DATABASE_URL")
    codes = [h.receipt(h.post_report(client, f"/q/{ulin_payload}"))[0] for _ in range(12)]
    for code in codes:
        act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
        act(staff["unit"], code, "start")
    now = datetime.now(UTC)
    drain_concurrently(app, MirrorChannel, workers=3, now=now, limit=5)
    assert sorted(lapor.keys()) == sorted(i.idempotency_key for i in items())
    assert len(set(lapor.keys())) == len(lapor.keys()) == 36
    for code in codes:
        assert [k for c, k in lapor.codes() if c == code] == ["submitted", "verify", "start"]
    counts = dict(
        db.session.execute(
            select(NationalMirrorItem.status, func.count()).group_by(NationalMirrorItem.status)
        ).all()
    )
    assert counts == {SENT: 36}

"""A case's mirror queue resumes by itself once its blocking item is delivered.

Against the real HTTP stand-in for SP4N-LAPOR! (tests/functional/lapor_server.py): the peer
refuses one case's first item while other cases flow; that case's later items wait in
order, never posted, never charged an attempt, never failed; once the peer takes the item
(after a retry, or after an admin's bulk re-send of a failed one) the later items follow
with no command run.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from portal.national.delivery import MirrorChannel
from portal.national.models import FAILED, PENDING, SENT
from portal.outbox.registry import registered
from portal.outbox.worker import deliver_all_due, run
from tests.functional.case_actions import act
from tests.functional.lapor_server import TOKEN, LaporServer
from tests.functional.national_helpers import items, items_of

EVENTS = ["submitted", "verify", "respond"]


@pytest.fixture
def lapor(app):
    server = LaporServer().start()
    keys = ("NATIONAL_CONNECTOR", "NATIONAL_URL", "NATIONAL_TOKEN", "NATIONAL_TIMEOUT")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(NATIONAL_CONNECTOR="http", NATIONAL_URL=server.url, NATIONAL_TOKEN=TOKEN)
    app.config["NATIONAL_TIMEOUT"] = 0.5
    yield server
    server.stop()
    app.config.update(saved)


@pytest.fixture
def two_cases(staff, client, h, ulin_payload) -> tuple[str, str]:
    """Two cases of three mirror items each (submitted, verify, respond): (blocked, other)."""
    codes = [h.receipt(h.post_report(client, f"/q/{ulin_payload}"))[0] for _ in range(2)]
    for code in codes:
        act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
        act(staff["unit"], code, "respond", text="Sudah kami tangani.")
    return codes[0], codes[1]


def events_of(lapor: LaporServer, code: str) -> list[str]:
    return [kind for c, kind in lapor.codes() if c == code]


def test_later_items_wait_uncharged_through_a_long_outage_then_follow_in_order(
    app, lapor, two_cases
):
    blocked, other = two_cases
    head_key = items_of(blocked)[0].idempotency_key
    lapor.decide = lambda doc: 503 if doc["kunci"] == head_key else 201

    now = datetime.now(UTC)
    deliver_all_due(MirrorChannel(), now=now)
    assert events_of(lapor, other) == EVENTS  # other cases are not held up
    for _ in range(30):  # about a day of retries: far past the old six-hour limit
        head = items_of(blocked)[0]
        assert head.status == PENDING
        now = head.next_attempt_at
        deliver_all_due(MirrorChannel(), now=now)
    head, *later = items_of(blocked)
    assert head.status == PENDING and head.attempts == 31
    assert [(i.status, i.attempts, i.last_error) for i in later] == [(PENDING, 0, None)] * 2
    assert set(lapor.attempts) & {i.idempotency_key for i in later} == set()  # never posted
    assert events_of(lapor, blocked) == []

    lapor.decide = None  # the peer takes the item again
    result = deliver_all_due(MirrorChannel(), now=head.next_attempt_at)
    assert result.sent == 3 and result.retried == result.gave_up == 0
    assert events_of(lapor, blocked) == EVENTS  # in order, in the same run
    assert [i.status for i in items()] == [SENT] * 6
    assert lapor.attempts.count(head_key) == 32  # one key on every attempt
    assert len(lapor.delivered) == len(set(lapor.keys())) == 6


def test_after_an_admin_resends_a_failed_item_its_case_follows_by_itself(
    app, lapor, two_cases, staff, h
):
    blocked, other = two_cases
    head_key = items_of(blocked)[0].idempotency_key
    refused = threading.Event()

    def decide(doc):
        if doc["kunci"] == head_key and not refused.is_set():
            return 422  # LAPOR! refuses it outright: failed at once
        return 201

    lapor.decide = decide
    stop = threading.Event()
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                run(registered(), stop, poll_seconds=0.05)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def wait_until(condition) -> bool:
        deadline = time.monotonic() + 30  # a guard against hanging, not a timed assertion
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)
        return condition()

    worker = threading.Thread(target=work)
    worker.start()
    try:
        assert wait_until(lambda: events_of(lapor, other) == EVENTS)
        assert wait_until(lambda: items_of(blocked)[0].status == FAILED)
        later = items_of(blocked)[1:]
        assert [(i.status, i.attempts) for i in later] == [(PENDING, 0)] * 2  # held, uncharged

        refused.set()  # whatever was wrong is fixed; the admin re-sends from the page
        page = staff["admin"].get("/staf/nasional/?error=HTTP+422").get_data(as_text=True)
        assert 'id="revive-count">1 data gagal cocok' in page
        token = h.hidden_fields(page)["csrf_token"]
        staff["admin"].post(
            "/staf/nasional/kirim-ulang-semua", data={"csrf_token": token, "error": "HTTP 422"}
        )
        assert wait_until(lambda: events_of(lapor, blocked) == EVENTS)  # no CLI, in order
    finally:
        stop.set()
        worker.join(30)
    assert not errors and not worker.is_alive()
    assert [i.status for i in items()] == [SENT] * 6
    assert len(lapor.delivered) == len(set(lapor.keys())) == 6

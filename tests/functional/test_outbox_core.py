"""The delivery core (portal/outbox) with a channel that exists only here: its own table and a
small adapter, nothing else. Everything the e-mail outbox and the mirror rely on (claiming
with leases, writing only while the row is ours, backoff, giving up, handing rows back,
the unreachable-peer rule, per-key order, reviving given-up rows, the worker loop) must
come from the core alone, so a new channel only needs a new adapter.

The toy peer is a real one of its kind: it records what it received, like the .eml files
of the e-mail outbox. Time is passed in (`now`); nothing sleeps for backoff.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.extensions import db
from portal.outbox import outcomes
from portal.outbox.backoff import backoff
from portal.outbox.channel import Channel, NotReady, PeerUnreachable
from portal.outbox.claiming import DEFAULT_LEASE, finish
from portal.outbox.dbclock import db_now
from portal.outbox.ordering import waits_for_earlier
from portal.outbox.registry import register, registered
from portal.outbox.revive import revive
from portal.outbox.states import PENDING, SENDING, SENT, STALE, DeliveryState
from portal.outbox.worker import claim, deliver_all_due, deliver_batch, deliver_round, record, run
from tests.helpers import drain_concurrently

T0 = datetime(2026, 12, 28, 1, 0, tzinfo=UTC)
GAVE_UP = "gave_up"


class ToyBase(DeclarativeBase):
    """Not the app's metadata: the table exists only while a test here runs."""


class ToyRow(DeliveryState, ToyBase):
    __tablename__ = "outbox_core_toy_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread: Mapped[str | None] = mapped_column(String(20))  # rows of one thread go in order
    body: Mapped[str] = mapped_column(String(40))  # what the toy peer will make of it
    peer_ref: Mapped[str | None] = mapped_column(String(40))


class ToyPeer:
    """The other end: what it received, how often a connection was opened, whether it is up."""

    def __init__(self):
        self.received: list[int] = []
        self.tried: list[int] = []
        self.connections = 0
        self.down = False
        self.before_send = None  # a test's hook: what happens elsewhere while a row is sent


class ToyChannel(Channel):
    """The whole adapter a new channel writes: render, send, classify."""

    name = "toy"
    model = ToyRow
    give_up_state = GAVE_UP
    order_key = "thread"

    def __init__(self, peer: ToyPeer, *, attempts: int = 3, stop: threading.Event | None = None):
        self.peer = peer
        self.attempts = attempts
        self.stop = stop

    def max_attempts(self) -> int:
        return self.attempts

    @contextmanager
    def connect(self):
        if self.peer.down:
            raise PeerUnreachable("ConnectionRefusedError: toy peer is down")
        self.peer.connections += 1
        yield self.peer

    def deliver(self, row: ToyRow, peer: ToyPeer) -> outcomes.Outcome:
        if peer.before_send is not None:
            peer.before_send(row)
        peer.tried.append(row.id)
        if row.body == "busy":
            return outcomes.retry("busy, try later", peer_ref="never written")
        if row.body == "hang":
            return outcomes.retry("TimeoutError: timed out", unreachable=True)
        if row.body == "refuse":
            return outcomes.give_up("refused: no such recipient", peer_ref="refused")
        if row.body == "old":
            return outcomes.stale("no longer true")
        if row.body == "stop" and self.stop is not None:
            self.stop.set()  # SIGTERM arrives while this row is being delivered
        peer.received.append(row.id)
        return outcomes.sent(peer_ref=f"toy-{row.id}")


class OffChannel(ToyChannel):
    name = "toy-off"

    def enabled(self) -> bool:
        return False


class UnconfiguredChannel(ToyChannel):
    name = "toy-unconfigured"

    def check_ready(self) -> None:
        raise NotReady("TOY_URL is not set")


@pytest.fixture
def toy(app):
    ToyBase.metadata.create_all(db.engine)
    yield ToyPeer()
    db.session.rollback()
    db.session.remove()
    ToyBase.metadata.drop_all(db.engine)


def add(*bodies: str, thread: str | None = None, at: datetime = T0) -> list[int]:
    new = [ToyRow(body=b, thread=thread, next_attempt_at=at, created_at=at) for b in bodies]
    db.session.add_all(new)
    db.session.commit()
    return [row.id for row in new]


def rows(*ids: int) -> list[ToyRow]:
    db.session.expire_all()
    stmt = select(ToyRow).order_by(ToyRow.id)
    if ids:
        stmt = stmt.where(ToyRow.id.in_(ids))
    return list(db.session.execute(stmt).scalars())


def counts(result) -> tuple[int, int, int, int]:
    return result.sent, result.retried, result.gave_up, result.stale


# --- delivering, retrying, giving up --------------------------------------------------------


def test_due_rows_are_delivered_once_over_one_connection(toy):
    ids = add("hello", "world")
    add("later", at=T0 + timedelta(minutes=5))
    assert counts(deliver_batch(ToyChannel(toy), now=T0)) == (2, 0, 0, 0)
    assert toy.received == ids and toy.connections == 1
    for row in rows(*ids):
        assert (row.status, row.attempts, row.sent_at) == (SENT, 1, T0)
        assert row.peer_ref == f"toy-{row.id}"  # the adapter's extra column values
        assert row.claimed_by is None and row.locked_until is None and row.last_error is None
    assert deliver_batch(ToyChannel(toy), now=T0).handled == 0  # nothing due: no connection
    assert toy.connections == 1


def test_a_temporary_failure_backs_off_until_the_last_attempt_gives_up(toy):
    (row_id,) = add("busy")
    channel = ToyChannel(toy, attempts=3)
    now = T0
    assert counts(deliver_batch(channel, now=now)) == (0, 1, 0, 0)
    (row,) = rows()
    assert (row.status, row.attempts, row.last_error) == (PENDING, 1, "busy, try later")
    assert row.next_attempt_at == T0 + backoff(1)
    assert row.peer_ref is None  # a retry leaves the row waiting: no outcome values written
    assert deliver_batch(channel, now=now + timedelta(seconds=30)).handled == 0  # not due yet

    now += backoff(1)
    assert counts(deliver_batch(channel, now=now)) == (0, 1, 0, 0)
    assert rows()[0].next_attempt_at == now + backoff(2)
    now += backoff(2)
    assert counts(deliver_batch(channel, now=now)) == (0, 0, 1, 0)
    (row,) = rows()
    assert (row.status, row.attempts, row.last_error) == (GAVE_UP, 3, "busy, try later")
    assert deliver_batch(channel, now=now + timedelta(days=1)).handled == 0
    assert toy.tried == [row_id] * 3


def test_a_refusal_gives_up_at_once_and_a_stale_row_is_dropped(toy, caplog):
    refused, outdated, fine = add("refuse", "old", "fine")
    with caplog.at_level(logging.WARNING, logger="portal.outbox.worker"):
        assert counts(deliver_batch(ToyChannel(toy), now=T0)) == (1, 0, 1, 1)
    by_id = {row.id: row for row in rows()}
    assert by_id[refused].status == GAVE_UP and by_id[refused].attempts == 1
    assert by_id[refused].last_error == "refused: no such recipient"
    assert by_id[refused].peer_ref == "refused"  # values are written with the give-up too
    assert by_id[outdated].status == STALE and by_id[outdated].last_error == "no longer true"
    assert by_id[outdated].sent_at is None and by_id[fine].status == SENT
    assert toy.received == [fine]
    assert f"toy row {refused} is gave_up: refused" in caplog.text


def test_given_up_rows_can_be_revived_keeping_their_last_error(toy):
    refused, other = add("refuse", "refuse")
    deliver_batch(ToyChannel(toy), now=T0)
    channel = ToyChannel(toy)
    t1 = T0 + timedelta(hours=1)
    assert revive(channel, ToyRow.id == refused, now=t1) == 1
    row = rows(refused)[0]
    assert (row.status, row.attempts, row.next_attempt_at) == (PENDING, 0, t1)
    assert row.last_error == "refused: no such recipient"
    assert revive(channel, ToyRow.id == refused, now=t1) == 0  # not given up now
    assert rows(other)[0].status == GAVE_UP
    assert revive(channel, now=t1) == 1


# --- leases ---------------------------------------------------------------------------------


def database_now() -> datetime:
    """The database's own clock, which leases are measured by."""
    return db.session.execute(select(db_now())).scalar_one()


def lapse(*ids: int) -> None:
    """Let the leases of these rows run out (on the database's clock) without waiting."""
    past = datetime(2000, 1, 1, tzinfo=UTC)
    db.session.execute(update(ToyRow).where(ToyRow.id.in_(ids)).values(locked_until=past))
    db.session.commit()


def test_a_claimed_row_is_leased_to_one_claim_and_taken_over_when_the_lease_ends(toy):
    (row_id,) = add("hello")
    channel = ToyChannel(toy)
    before = database_now()
    (mine,) = claim(channel, "w1", T0, 10)
    row = rows()[0]
    assert (row.status, row.claimed_by, row.attempts) == (SENDING, "w1", 1)
    # the deadline is the database's now + the lease, whatever `now` the worker passed in
    assert before + DEFAULT_LEASE <= row.locked_until <= database_now() + DEFAULT_LEASE
    assert claim(channel, "w2", T0, 10) == []  # leased: nobody else gets it
    far = T0 + timedelta(days=2)  # a worker whose clock runs days ahead takes nothing either
    assert deliver_batch(channel, now=far).handled == 0

    lapse(row_id)  # w1 died, or hangs: w2 takes the row over
    assert counts(deliver_batch(channel, now=T0, worker_id="w2")) == (1, 0, 0, 0)
    record(channel, mine, "w1", T0, outcomes.retry("late answer"))  # w1 wakes up, too late
    assert not finish(ToyRow, row_id, "w1", status=PENDING)  # no longer ours: nothing written
    row = rows()[0]
    assert (row.status, row.attempts, row.last_error) == (SENT, 2, None)
    assert toy.received == [row_id]


def test_a_lease_runs_out_by_the_database_clock(app, toy):
    (row_id,) = add("hello")
    channel = ToyChannel(toy)
    claim(channel, "w1", T0, 10, lease=timedelta(seconds=-1))  # ran out a second ago
    assert claim(channel, "w2", T0 - timedelta(days=30), 10)[0].id == row_id  # whatever `now`
    (row,) = rows()
    assert row.claimed_by == "w2" and row.attempts == 2
    assert row.locked_until > database_now()


def test_each_claim_gets_its_own_fencing_token(toy):
    add("one", "two", "three")
    tokens: list[str] = []
    toy.before_send = lambda row: tokens.append(row.claimed_by)
    for _ in range(3):  # one worker, three claims
        deliver_batch(ToyChannel(toy), now=T0, worker_id="same-worker", limit=1)
    assert len(tokens) == len(set(tokens)) == 3
    assert all(token.startswith("same-wo.") and len(token) <= 40 for token in tokens)


def test_a_row_taken_over_by_another_claim_is_neither_sent_nor_recorded_by_the_first(toy):
    first, second, third = add("hello", "world", "again")
    channel = ToyChannel(toy)

    def other_worker_takes_over(row: ToyRow) -> None:
        if row.id == first:  # while w1 sends its first row, the lease of `second` runs out…
            lapse(second)
            (taken,) = claim(channel, "w2", T0, 1)  # …and another worker claims it
            assert taken.id == second

    toy.before_send = other_worker_takes_over
    assert counts(deliver_batch(channel, now=T0, worker_id="w1")) == (2, 0, 0, 0)
    assert toy.tried == [first, third]  # the lost row was skipped, not sent
    by_id = {row.id: row for row in rows()}
    assert by_id[second].status == SENDING and by_id[second].claimed_by == "w2"
    assert by_id[second].attempts == 2  # w2's claim; w1 wrote no outcome for it
    assert {by_id[first].status, by_id[third].status} == {SENT}


def test_the_lease_is_renewed_while_the_worker_works(app, toy):
    """Rows slower than the lease: the keeper renews the whole claim, so nobody else can take
    the row being sent or the rows still waiting."""
    ids = add("slow", "slow", "slow")
    lease = timedelta(seconds=0.6)
    channel = ToyChannel(toy)
    grabbed: list[list[int]] = []

    def try_to_take_over(row: ToyRow) -> None:
        time.sleep(2 * lease.total_seconds())  # a send that takes twice the lease
        grabbed.append([r.id for r in claim(channel, "intruder", T0, 10)])

    toy.before_send = try_to_take_over
    assert counts(deliver_batch(channel, now=T0, lease=lease)) == (3, 0, 0, 0)
    assert grabbed == [[], [], []]
    assert toy.received == ids
    assert {(r.status, r.attempts, r.claimed_by) for r in rows()} == {(SENT, 1, None)}


def test_asked_to_stop_the_rest_of_the_batch_is_handed_back_untried(toy):
    stop = threading.Event()
    first, *rest = add("stop", "second", "third")
    channel = ToyChannel(toy, stop=stop)
    assert counts(deliver_batch(channel, now=T0, stop=stop)) == (1, 0, 0, 0)
    assert toy.tried == [first]  # the row being delivered is finished first
    for row in rows(*rest):
        assert (row.status, row.attempts, row.claimed_by, row.locked_until) == (
            PENDING,
            0,
            None,
            None,
        )
    assert counts(deliver_batch(ToyChannel(toy), now=T0)) == (2, 0, 0, 0)
    assert toy.received == [first, *rest]


def test_an_unreachable_peer_charges_only_the_row_tried_and_holds_the_rest_back(toy):
    hang, *rest = add("hang", "second", "third")
    started = time.monotonic()
    assert counts(deliver_batch(ToyChannel(toy), now=T0)) == (0, 3, 0, 0)
    assert time.monotonic() - started < 5
    assert toy.tried == [hang]
    by_id = {row.id: row for row in rows()}
    assert (by_id[hang].status, by_id[hang].attempts) == (PENDING, 1)
    assert by_id[hang].last_error == "TimeoutError: timed out"
    for row_id in rest:  # untried: no attempt spent, the reason kept
        assert (by_id[row_id].status, by_id[row_id].attempts) == (PENDING, 0)
        assert by_id[row_id].last_error == "not tried: TimeoutError: timed out"
        assert by_id[row_id].claimed_by is None and by_id[row_id].locked_until is None
    # …but none is due before the tried row's backoff: a peer that is down is not hammered
    assert {r.next_attempt_at for r in rows()} == {T0 + backoff(1)}
    assert deliver_batch(ToyChannel(toy), now=T0 + backoff(1) - timedelta(seconds=1)).handled == 0


def test_without_a_connection_only_the_first_row_is_charged(toy):
    first, *rest = add("one", "two", "three")
    toy.down = True  # no connection at all: it counts as the first row's attempt, nothing else
    now = T0
    channel = ToyChannel(toy, attempts=2)
    assert counts(deliver_batch(channel, now=now)) == (0, 3, 0, 0)
    assert {r.id: r.attempts for r in rows()} == {first: 1, rest[0]: 0, rest[1]: 0}
    assert {r.next_attempt_at for r in rows()} == {now + backoff(1)}
    now += backoff(1)
    assert counts(deliver_batch(channel, now=now)) == (0, 2, 1, 0)  # the first used its last
    by_id = {r.id: r for r in rows()}
    assert (by_id[first].status, by_id[first].attempts) == (GAVE_UP, 2)
    assert by_id[first].last_error == "ConnectionRefusedError: toy peer is down"
    assert {(by_id[i].status, by_id[i].attempts) for i in rest} == {(PENDING, 0)}
    assert toy.tried == [] and toy.connections == 0

    toy.down = False  # the peer is back: the rest go out, one attempt each
    now += backoff(2)
    assert counts(deliver_batch(channel, now=now)) == (2, 0, 0, 0)
    assert toy.received == rest
    assert {(r.status, r.attempts) for r in rows(*rest)} == {(SENT, 1)}


def test_a_channel_that_is_not_ready_claims_nothing(toy):
    add("hello")
    with pytest.raises(NotReady, match="TOY_URL"):
        deliver_batch(UnconfiguredChannel(toy), now=T0)
    assert rows()[0].attempts == 0 and toy.tried == []


# --- order per key --------------------------------------------------------------------------


def test_rows_of_one_key_go_in_order_and_other_keys_pass(toy):
    a1, a2 = add("refuse", "a-second", thread="A")
    (b1,) = add("b-first", thread="B")
    loose = add("no-thread", "no-thread")  # no key: never held back
    channel = ToyChannel(toy)
    assert counts(deliver_all_due(channel, now=T0)) == (3, 0, 1, 0)
    assert toy.tried == [a1, b1, *loose]
    assert rows(a2)[0].status == PENDING and rows(a2)[0].attempts == 0  # behind a given-up row

    db.session.execute(update(ToyRow).where(ToyRow.id == a1).values(body="a-first"))
    db.session.commit()
    assert revive(channel, ToyRow.id == a1, now=T0) == 1
    assert counts(deliver_batch(channel, now=T0)) == (1, 0, 0, 0)  # a2 waits while a1 is out
    assert counts(deliver_batch(channel, now=T0)) == (1, 0, 0, 0)
    assert toy.received[-2:] == [a1, a2]


def test_the_passable_variant_lets_a_key_s_pending_rows_go_together(toy):
    a1, a2, a3 = add("one", "two", "three", thread="A")

    def free(*passable: str) -> list[int]:
        blocked = waits_for_earlier(ToyRow, "thread", passable=passable)
        stmt = select(ToyRow.id).where(ToyRow.status == PENDING, ~blocked).order_by(ToyRow.id)
        return list(db.session.execute(stmt).scalars())

    assert free() == [a1]
    assert free(PENDING) == [a1, a2, a3]
    db.session.execute(update(ToyRow).where(ToyRow.id == a1).values(status=GAVE_UP))
    db.session.commit()
    assert free(PENDING) == []  # a given-up row still holds its key back
    db.session.execute(update(ToyRow).where(ToyRow.id == a1).values(status=SENT))
    db.session.commit()
    assert free(PENDING) == [a2, a3]


# --- the shared columns ---------------------------------------------------------------------


def test_the_real_outbox_tables_take_their_state_columns_as_the_migrations_made_them(app):
    """DeliveryState must not drift from migrations 0005 and 0007 (`flask db check`)."""
    tables = {"outbox_messages", "national_mirror_items"}

    def ours(obj, name, type_, reflected, compare_to) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in tables

    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": ours}
        )
        assert compare_metadata(context, db.metadata) == []
    for name in tables:
        columns = db.metadata.tables[name].columns
        assert {c.name for c in ToyRow.__table__.columns} - {"thread", "body", "peer_ref"} <= {
            c.name for c in columns
        }


# --- the registry ---------------------------------------------------------------------------


def test_the_app_registers_email_and_the_mirror_and_the_mirror_only_runs_over_http(app):
    channels = registered(app)
    assert [c.name for c in channels] == ["email", "national", "whatsapp", "sms"]
    assert [c.give_up_state for c in channels] == ["dead", "failed", "dead", "dead"]
    email, mirror, *_phone = channels
    saved = app.config.get("NATIONAL_CONNECTOR")
    try:
        app.config["NATIONAL_CONNECTOR"] = "export"
        assert email.enabled() and not mirror.enabled()
        app.config["NATIONAL_CONNECTOR"] = "http"
        assert mirror.enabled()
    finally:
        app.config["NATIONAL_CONNECTOR"] = saved
    with pytest.raises(ValueError, match="registered twice"):
        register(app, type(email)())
    assert len(registered(app)) == 4


# --- the worker loop ------------------------------------------------------------------------


def test_a_round_runs_every_enabled_channel_and_survives_one_that_is_not_ready(toy, caplog):
    add("hello", "world", at=datetime.now(UTC) - timedelta(seconds=1))  # a round runs at now
    channels = [UnconfiguredChannel(toy), OffChannel(toy), ToyChannel(toy)]
    with caplog.at_level(logging.ERROR, logger="portal.outbox.worker"):
        results = deliver_round(channels, worker_id="w1")
    assert set(results) == {"toy"} and counts(results["toy"]) == (2, 0, 0, 0)
    assert "toy-unconfigured cannot deliver: TOY_URL is not set" in caplog.text


def test_the_long_running_worker_delivers_until_stopped(app, toy):
    ids = add("hello", "world", at=datetime.now(UTC) - timedelta(seconds=1))
    stop = threading.Event()
    totals: dict = {}
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                totals.update(run([OffChannel(toy), ToyChannel(toy)], stop, poll_seconds=0.02))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    deadline = time.monotonic() + 30  # a guard against hanging, not a timed assertion
    while len(toy.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    worker.join(30)
    assert not errors and not worker.is_alive()
    assert toy.received == ids and set(totals) == {"toy"} and totals["toy"].sent == 2


def test_two_workers_on_postgresql_claim_disjoint_rows(app, toy):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; run with TEST_DATABASE_URL")
    ids = add(*(f"row {i}" for i in range(60)))
    drain_concurrently(app, lambda: ToyChannel(toy), workers=3, now=T0, limit=4)
    assert sorted(toy.received) == ids  # each row delivered exactly once
    assert {(r.status, r.attempts) for r in rows()} == {(SENT, 1)}


def test_the_worker_ticks_deadlines_through_the_hook_the_app_registers(
    app, client, h, ulin_payload
):
    """`outbox work --tick-every N` runs the deadline tick the factory handed in, so the
    delivery core never imports the case feature."""
    from portal.complaints.models import Complaint
    from portal.outbox.registry import registered_tick
    from portal.outbox.worker import run

    tick = registered_tick(app)
    assert tick is not None
    code, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    complaint = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
    complaint.due_key = complaint.submitted_at.date() - timedelta(days=30)  # long overdue
    db.session.commit()
    complaint_id = complaint.id
    stop = threading.Event()
    ticked = []

    def tick_then_stop():
        ticked.append(tick())
        stop.set()

    run([], stop, poll_seconds=0, tick_seconds=60, tick=tick_then_stop)
    assert ticked and ticked[0].overdue == 1
    assert db.session.get(Complaint, complaint_id).sla_state == "overdue"

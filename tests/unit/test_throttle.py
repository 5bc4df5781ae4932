"""Sign-in throttling: the rules, driven through the service with an injected clock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.accounts import services, throttle
from portal.accounts.models import LoginThrottle
from portal.accounts.services import SignInLocked, WrongCredentials, sign_in
from portal.extensions import db
from tests.helpers import cheap_hash, cheap_kalsel_admin

PASSWORD = "kata-sandi-uji-123"
WRONG = "bukan-kata-sandinya"
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HOME = "203.0.113.7"


@pytest.fixture(autouse=True)
def _cheap_dummy_hash(monkeypatch):
    monkeypatch.setattr(services, "_DUMMY_HASH", cheap_hash("not-a-real-password"))


@pytest.fixture
def admin(app, router):
    return cheap_kalsel_admin(router, PASSWORD)


def fail(email: str, n: int, *, start: datetime = T0, address: str = HOME) -> None:
    """n wrong passwords a minute apart, none of them locking."""
    for i in range(n):
        with pytest.raises(WrongCredentials):
            sign_in(email, WRONG, address, now=start + timedelta(minutes=i))


def row(key: str) -> LoginThrottle | None:
    db.session.expire_all()
    return db.session.get(LoginThrottle, key)


def test_fifth_failure_locks_the_email_for_fifteen_minutes(admin):
    fail(admin.email, 4)
    with pytest.raises(SignInLocked) as locked:
        sign_in(admin.email, WRONG, HOME, now=T0 + timedelta(minutes=4))
    assert locked.value.minutes_left == 15 and locked.value.seconds_left == 900
    assert locked.value.until == T0 + timedelta(minutes=19)


def test_right_password_refused_while_locked_and_accepted_after(admin):
    fail(admin.email, 4)
    with pytest.raises(SignInLocked):
        sign_in(admin.email, WRONG, HOME, now=T0 + timedelta(minutes=4))
    with pytest.raises(SignInLocked) as locked:
        sign_in(admin.email, PASSWORD, HOME, now=T0 + timedelta(minutes=18, seconds=30))
    assert locked.value.minutes_left == 1  # 30 seconds left: rounded up, never down to 0
    assert sign_in(admin.email, PASSWORD, HOME, now=T0 + timedelta(minutes=19)) == admin


def test_unknown_email_is_throttled_exactly_like_a_known_one(admin):
    answers = {}
    for email in (admin.email, "nobody@example.org"):
        fail(email, 4)
        with pytest.raises(SignInLocked) as fifth:
            sign_in(email, WRONG, "198.51.100.1", now=T0 + timedelta(minutes=4))
        with pytest.raises(SignInLocked) as sixth:
            sign_in(email, PASSWORD, "198.51.100.2", now=T0 + timedelta(minutes=5))
        answers[email] = (fifth.value.minutes_left, sixth.value.minutes_left)
    assert answers[admin.email] == answers["nobody@example.org"] == (15, 14)


def test_locked_attempt_still_checks_a_password_hash(admin, monkeypatch):
    """Same cost as a normal failure: the hash runs whether locked, known or unknown."""
    for email in (admin.email, "nobody@example.org"):
        fail(email, 4)
        with pytest.raises(SignInLocked):
            sign_in(email, WRONG, HOME, now=T0 + timedelta(minutes=4))
    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    for email in (admin.email, "nobody@example.org"):
        with pytest.raises(SignInLocked):
            sign_in(email, PASSWORD, HOME, now=T0 + timedelta(minutes=5))
    assert calls == [admin.password_hash, services._DUMMY_HASH]


def test_disabled_account_costs_a_hash_too(admin, monkeypatch):
    services.set_active(admin.email, False)
    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    with pytest.raises(WrongCredentials):
        sign_in(admin.email, PASSWORD, HOME, now=T0)
    assert calls == [admin.password_hash]


def test_success_resets_the_email_counter(admin):
    fail(admin.email, 4)
    assert sign_in(admin.email, PASSWORD, HOME, now=T0 + timedelta(minutes=4)) == admin
    assert row(throttle.email_key(admin.email)) is None
    fail(admin.email, 4, start=T0 + timedelta(minutes=5))  # four more: still not locked


def test_failures_outside_the_window_do_not_add_up(admin):
    fail(admin.email, 4)
    fail(admin.email, 4, start=T0 + timedelta(minutes=16))  # the first window has ended
    assert row(throttle.email_key(admin.email)).failures == 4


def test_attempts_during_a_lock_do_not_extend_it(admin):
    fail(admin.email, 4)
    with pytest.raises(SignInLocked):
        sign_in(admin.email, WRONG, HOME, now=T0 + timedelta(minutes=4))
    for minute in range(5, 19):
        with pytest.raises(SignInLocked):
            sign_in(admin.email, WRONG, HOME, now=T0 + timedelta(minutes=minute))
    assert sign_in(admin.email, PASSWORD, HOME, now=T0 + timedelta(minutes=19)) == admin


def test_a_new_lock_after_the_first_one_expires(admin):
    fail(admin.email, 4)
    with pytest.raises(SignInLocked):
        sign_in(admin.email, WRONG, HOME, now=T0 + timedelta(minutes=4))
    later = T0 + timedelta(minutes=20)
    fail(admin.email, 4, start=later)  # counting restarted with the lock
    with pytest.raises(SignInLocked):
        sign_in(admin.email, WRONG, HOME, now=later + timedelta(minutes=4))


def test_email_is_matched_case_and_space_insensitively(admin):
    fail("Admin.Kalsel@Example.org ", 2)
    fail(" admin.kalsel@example.ORG", 2, start=T0 + timedelta(minutes=2))
    with pytest.raises(SignInLocked):
        sign_in(admin.email, WRONG, HOME, now=T0 + timedelta(minutes=4))


def test_twenty_failures_from_one_address_lock_that_address(admin):
    for i in range(19):  # a different e-mail each time: no e-mail lock can trigger
        with pytest.raises(WrongCredentials):
            sign_in(f"guess{i}@example.org", WRONG, HOME, now=T0 + timedelta(seconds=i))
    with pytest.raises(SignInLocked) as locked:
        sign_in("guess19@example.org", WRONG, HOME, now=T0 + timedelta(minutes=1))
    assert locked.value.minutes_left == 15
    # Even a real account with its right password waits, from that address only.
    with pytest.raises(SignInLocked):
        sign_in(admin.email, PASSWORD, HOME, now=T0 + timedelta(minutes=2))
    assert sign_in(admin.email, PASSWORD, "198.51.100.9", now=T0 + timedelta(minutes=2)) == admin
    assert sign_in(admin.email, PASSWORD, HOME, now=T0 + timedelta(minutes=16)) == admin


def test_success_does_not_reset_the_address_counter(admin):
    for i in range(19):
        with pytest.raises(WrongCredentials):
            sign_in(f"guess{i}@example.org", WRONG, HOME, now=T0 + timedelta(seconds=i))
    assert sign_in(admin.email, PASSWORD, HOME, now=T0 + timedelta(minutes=1)) == admin
    with pytest.raises(SignInLocked):
        sign_in("guess19@example.org", WRONG, HOME, now=T0 + timedelta(minutes=2))


def test_missing_client_address_and_huge_email_are_still_counted(app):
    huge = "x" * 400 + "@example.org"
    fail(huge, 4, address=None)
    with pytest.raises(SignInLocked):
        sign_in(huge, WRONG, None, now=T0 + timedelta(minutes=4))
    assert row(throttle.address_key(None)) is not None


def test_minutes_left_rounds_up():
    assert throttle.minutes_left(T0 + timedelta(seconds=1), T0) == 1
    assert throttle.minutes_left(T0 + timedelta(minutes=14, seconds=1), T0) == 15
    assert throttle.minutes_left(T0 + timedelta(minutes=15), T0) == 15


def test_hosts_failing_at_once_lose_no_count(app):
    """Each thread is another app host with its own connection to the shared table."""

    def one_failure(i: int) -> None:
        with app.app_context():
            throttle.record_failure("target@example.org", f"192.0.2.{i}", T0)
            db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one_failure, range(4)))
    db.session.remove()
    key = throttle.email_key("target@example.org")
    failures = db.session.execute(
        select(LoginThrottle.failures).where(LoginThrottle.key == key)
    ).scalar_one()
    assert failures == 4


def test_hosts_crossing_the_limit_at_once_lock_exactly_once(app):
    """The count and the lock share one transaction holding the row: one host locks."""

    def one_failure(i: int):
        with app.app_context():
            try:
                return throttle.record_failure("target@example.org", f"192.0.2.{i}", T0)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        locks = list(pool.map(one_failure, range(8)))
    assert [lock for lock in locks if lock is not None] == [T0 + timedelta(minutes=15)]
    db.session.remove()
    assert throttle.locked_until("target@example.org", None, T0) == T0 + timedelta(minutes=15)
    assert row(throttle.email_key("target@example.org")).failures == 3  # none lost

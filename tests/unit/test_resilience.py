"""The worker's reconnect rhythm (portal/outbox/resilience.py), without a database."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from portal.outbox.resilience import Backoff, Guard, describe, is_database_error


def _outage() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("Connection refused"))


def test_waits_double_from_one_second_and_stop_at_thirty():
    backoff = Backoff()
    assert [backoff.next_wait() for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    backoff.reset()
    assert backoff.next_wait() == 1


def test_a_guard_reports_failure_and_the_wait_and_starts_over_after_a_success():
    guard = Guard("outbox round")
    calls = iter([_outage(), _outage(), "done", _outage()])

    def step():
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    assert guard.attempt(step) == (False, None) and guard.wait == 1
    assert guard.attempt(step) == (False, None) and guard.wait == 2
    assert guard.attempt(step) == (True, "done") and guard.wait == 0
    assert guard.attempt(step) == (False, None) and guard.wait == 1


def test_a_bug_is_caught_too_not_only_outages():
    guard = Guard("sla tick")

    def broken():
        raise KeyError("aduan.router")

    assert guard.attempt(broken) == (False, None)
    assert guard.wait == 1
    assert not is_database_error(KeyError("x"))


def test_the_log_line_is_the_drivers_message_on_one_line():
    assert is_database_error(_outage())
    assert describe(_outage()) == "ConnectionRefusedError: Connection refused"

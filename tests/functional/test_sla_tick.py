"""`sla tick` with real processes: two at once, and on SQLite while citizens keep filing.

The tick runs as `flask --app wsgi sla tick` in subprocesses on the suite's own database
(SQLite by default, PostgreSQL with TEST_DATABASE_URL), as cron runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.cases.tick_lock import exclusive_tick
from portal.complaints.models import Complaint, Event
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import utcnow
from tests.bulk_cases import overdue_cases

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = "another tick is running; skipped"
REGION_CONTACT = "pengaduan.kalsel@example.org"  # where an overdue new case escalates


def _tick_process(test_environ) -> subprocess.Popen:
    env = {**os.environ, **test_environ}
    env.pop("CI", None)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "sla", "tick"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=600)  # a guard against hanging, not a timing
    assert process.returncode == 0, output
    assert "Traceback" not in output, output
    return output


def _overdue_marks(ids: list[int]) -> Counter:
    db.session.expire_all()
    stmt = select(Event.complaint_id).where(Event.kind == "overdue", Event.complaint_id.in_(ids))
    return Counter(db.session.execute(stmt).scalars())


def _escalations() -> Counter:
    stmt = select(OutboxMessage.complaint_id, OutboxMessage.recipient).where(
        OutboxMessage.template == "escalation"
    )
    return Counter(db.session.execute(stmt).all())


def _states(ids: list[int]) -> Counter:
    stmt = select(Complaint.sla_state).where(Complaint.id.in_(ids))
    return Counter(db.session.execute(stmt).scalars())


def test_two_ticks_at_once_mark_every_case_once(app, test_environ):
    ids = overdue_cases(900, (utcnow() - timedelta(days=30)).date())  # several batches
    first, second = _tick_process(test_environ), _tick_process(test_environ)
    outputs = [_finish(first), _finish(second)]

    ran = [o for o in outputs if SKIPPED not in o]
    assert ran, outputs  # at least one did the work; the other skipped or found it done
    assert sum(int(o.split("overdue: ")[1].split(",")[0]) for o in ran) == len(ids)
    assert _states(ids) == Counter({"overdue": len(ids)})
    assert set(_overdue_marks(ids).values()) == {1} and len(_overdue_marks(ids)) == len(ids)
    escalations = _escalations()
    assert {complaint for complaint, _ in escalations} == set(ids)
    assert {recipient for _, recipient in escalations} == {REGION_CONTACT}
    assert set(escalations.values()) == {1}  # one e-mail per case and recipient


def test_a_tick_while_another_holds_the_lock_skips_and_changes_nothing(app, test_environ):
    ids = overdue_cases(5, (utcnow() - timedelta(days=30)).date())
    with exclusive_tick(db.engine) as mine:
        assert mine
        output = _finish(_tick_process(test_environ))
        assert SKIPPED in output
        assert _states(ids) == Counter({"ok": 5})
        assert _escalations() == Counter()
    output = _finish(_tick_process(test_environ))  # the lock is free again: this one works
    assert "overdue: 5," in output
    assert _states(ids) == Counter({"overdue": 5})
    assert len(_escalations()) == 5


def test_the_lock_is_taken_once_at_a_time_in_one_process_too(app):
    with exclusive_tick(db.engine) as first, exclusive_tick(db.engine) as second:
        assert (first, second) == (True, False)
    with exclusive_tick(db.engine) as again:
        assert again


@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="SQLite's single writer: runs once, in the SQLite run",
)
def test_sqlite_tick_of_10000_cases_never_locks_out_a_citizen(
    app, client, h, ulin_payload, test_environ
):
    ids = overdue_cases(10_000, (utcnow() - timedelta(days=30)).date())
    url = f"/q/{ulin_payload}"
    h.receipt(h.post_report(client, url))  # warm: the first report pays for the templates
    tick = _tick_process(test_environ)
    statuses: list[int] = []
    while True:  # at least one report, then as many as the tick lasts
        # A "database is locked" would raise here: the test app propagates exceptions.
        statuses.append(h.post_report(client, url).status_code)
        if tick.poll() is not None:
            break
    output = _finish(tick)

    assert "overdue: 10000," in output, output
    assert statuses == [303] * len(statuses)
    db.session.expire_all()
    stored = db.session.scalar(select(func.count()).select_from(Complaint))
    assert stored == len(ids) + 1 + len(statuses)  # every submission is there
    assert _states(ids) == Counter({"overdue": len(ids)})
    assert len(_overdue_marks(ids)) == len(ids)
    assert len(_escalations()) == len(ids)
    assert "overdue: 0," in _finish(_tick_process(test_environ))  # a second tick: nothing new
    assert len(_escalations()) == len(ids)

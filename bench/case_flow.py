"""What the new case moves cost a clerk: a transfer until the other region sees the case,
and a bulk move of 100 cases, next to the same work done one case at a time and to the
bare database writes.

    .venv/bin/python bench/case_flow.py [--cases 100] [--transfers 20] [--db URL]

Everything runs in one process through the real app (Flask test client, sign-in, CSRF,
scope, state machine, outbox rows, commit), on a temporary SQLite file or, with --db, on
that database (schema built by the migrations, every table dropped afterwards: give it a
scratch database). Rows:

- transfer → visible: kalsel's admin transfers a new case to hst; the clock runs until hst's
  admin finds it on the first page of its queue (POST, then GET). The move is one
  transaction, so "visible" is the next request that reads the queue.
- bulk dispose N: one POST of the queue's action bar verifying N new cases to one unit.
- single dispose N: the same N moves as N POSTs of the case page's verify form.
- bare UPDATE N: the changed columns and one event row per case written with plain SQL in
  one transaction: the floor the database itself sets, without the app.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchinfo import git_revision, machine
from flask import g
from sqlalchemy import MetaData, insert, select, text, update

from portal import create_app
from portal.accounts.services import create_user
from portal.complaints import status as s
from portal.complaints.models import Complaint, Event
from portal.extensions import db
from portal.routing.active import get_router
from portal.timeutil import utcnow
from tests.factories import stored_complaint
from tests.helpers import cheap_hash

SECRET = "bench-secret-key-that-is-long-enough-0001"
PASSWORD = "bench-sandi-123456"
TARGET = "rsud-ulin/poli-umum"


def _admin(email: str, region: str) -> None:
    user = create_user(
        get_router(), email=email, password=PASSWORD, role="regional-admin", region=region
    )
    user.password_hash = cheap_hash(PASSWORD)
    db.session.commit()


def _signed_in(app, email: str):
    client = app.test_client()
    page = client.get("/staf/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/staf/masuk", data={"csrf_token": token, "email": email, "password": PASSWORD})
    return client, _token(client, "/staf/antrian")


def _token(client, url: str) -> str:
    """The forms' CSRF token as the page carries it (signing in starts a new session)."""
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _new_cases(n: int) -> list[str]:
    return [stored_complaint(title=f"Antrean lama {i}").tracking_code for i in range(n)]


def _version(code: str) -> int:
    stmt = select(Complaint.version_id).where(Complaint.tracking_code == code)
    version = db.session.execute(stmt).scalar_one()
    db.session.rollback()
    return version


def bench_transfers(app, count: int) -> list[float]:
    sender, _unused = _signed_in(app, "admin.kalsel@example.org")
    receiver, _unused = _signed_in(app, "admin.hst@example.org")
    waits = []
    for code in _new_cases(count):
        form = {
            "csrf_token": _token(sender, f"/staf/kasus/{code}"),
            "version": _version(code),
            "forward_to": "hst",
            "text": "Lokasi kejadian di Barabai, kewenangan Kabupaten HST.",
        }
        start = time.perf_counter()
        # The case page has one forward form: a region of this portal makes it a transfer.
        moved = sender.post(f"/staf/kasus/{code}/tindakan/forward", data=form)
        assert moved.status_code in (302, 303), moved.get_data(as_text=True)[-2000:]
        queue = receiver.get("/staf/antrian?status=new&sort=newest")
        waits.append((time.perf_counter() - start) * 1000)
        assert code in queue.get_data(as_text=True), "the transferred case is not in hst's queue"
    return waits


def bench_bulk(app, count: int) -> float:
    client, token = _signed_in(app, "admin.kalsel@example.org")
    codes = _new_cases(count)
    form = {"csrf_token": token, "action": "dispose", "target": TARGET, "text": ""}
    start = time.perf_counter()
    answer = client.post("/staf/antrian/massal", data={**form, "kode": codes})
    took = (time.perf_counter() - start) * 1000
    assert answer.status_code in (302, 303), answer.status_code
    verified = db.session.execute(
        select(Complaint).where(Complaint.tracking_code.in_(codes), Complaint.status == s.VERIFIED)
    ).all()
    db.session.rollback()
    assert len(verified) == count, f"{len(verified)} of {count} verified"
    return took


def bench_single(app, count: int) -> float:
    client, token = _signed_in(app, "admin.kalsel@example.org")
    codes = _new_cases(count)
    start = time.perf_counter()
    for code in codes:
        form = {"csrf_token": token, "version": _version(code), "target": TARGET, "text": ""}
        answer = client.post(f"/staf/kasus/{code}/tindakan/verify", data=form)
        assert answer.status_code in (302, 303), answer.status_code
    return (time.perf_counter() - start) * 1000


def bench_bare(count: int) -> float:
    ids = [stored_complaint(title=f"Antrean lama {i}").id for i in range(count)]
    now = utcnow()
    start = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(
            update(Complaint)
            .where(Complaint.id.in_(ids))
            .values(
                status=s.VERIFIED,
                verified_at=now,
                version_id=Complaint.version_id + 1,
                agency_id="rsud-ulin",
                unit_id="poli-umum",
            )
        )
        rows = [
            dict(
                complaint_id=i,
                kind="verify",
                from_status=s.NEW,
                to_status=s.VERIFIED,
                public=True,
                created_at=now,
            )
            for i in ids
        ]
        conn.execute(insert(Event), rows)
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--transfers", type=int, default=20)
    parser.add_argument("--db", default=None)
    args = parser.parse_args(argv)
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "APP_ENV": "testing",
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": tmp,
            "DATABASE_URL": args.db or f"sqlite:///{tmp}/bench.sqlite3",
            "PUBLIC_BASE_URL": "http://localhost",
            "RATELIMIT_ENABLED": "0",
        }
        app = create_app(environ=env)

        @app.teardown_request
        def _forget_request_globals(exc):
            """The bench holds an app context, which Flask reuses for every test-client
            request; clear `g` so one client's CSRF token or user never serves the next."""
            g.__dict__.clear()

        with app.app_context():
            upgrade()
            try:
                _admin("admin.kalsel@example.org", "kalsel")
                _admin("admin.hst@example.org", "hst")
                waits = bench_transfers(app, args.transfers)
                bulk_ms = bench_bulk(app, args.cases)
                single_ms = bench_single(app, args.cases)
                bare_ms = bench_bare(args.cases)
            finally:
                db.session.rollback()
                if args.db:
                    with db.engine.begin() as conn:
                        meta = MetaData()
                        meta.reflect(conn)
                        meta.drop_all(conn)
                        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            engine = db.engine.dialect.name
    n = args.cases
    print(f"# case flow — {machine()} — {git_revision()}")
    print(f"database: {engine}")
    print()
    print("| what | total ms | per case ms |")
    print("|---|---:|---:|")
    print(
        f"| transfer → visible in the other region's queue (p50 of {len(waits)}) "
        f"| {statistics.median(waits):.1f} | — |"
    )
    print(f"| transfer → visible, slowest of {len(waits)} | {max(waits):.1f} | — |")
    print(f"| bulk dispose {n} (one POST) | {bulk_ms:.0f} | {bulk_ms / n:.1f} |")
    print(f"| single dispose {n} ({n} POSTs) | {single_ms:.0f} | {single_ms / n:.1f} |")
    print(
        f"| bare UPDATE + {n} event rows (plain SQL, no app) | {bare_ms:.1f} | {bare_ms / n:.2f} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

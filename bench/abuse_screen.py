"""What the abuse-list check costs a report: `screen()` against a big list and an empty one.

    .venv/bin/python bench/abuse_screen.py [--entries 20000] [--calls 2000] [--db URL]

Fills one region's list with --entries blocked values (a third each of phones, e-mails
and addresses), then times --calls checks of a report that matches nothing (the common
case) and one that matches, against the bare baseline of the same check on an empty list
in the same run. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchinfo import git_revision, machine
from sqlalchemy import text

from portal import create_app
from portal.abuse import hashing
from portal.abuse.models import REFUSE, AbuseEntry
from portal.abuse.services import screen
from portal.extensions import db

SECRET = "bench-secret-key-that-is-long-enough-0001"


def timed(calls: int, key: bytes, **values) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        screen(key, "kalsel", **values)
    return (time.perf_counter() - start) / calls * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args(argv)
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "APP_ENV": "testing",
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": tmp,
            "DATABASE_URL": args.db or f"sqlite:///{tmp}/bench.sqlite3",
        }
        app = create_app(environ=env)
        with app.app_context():
            upgrade()
            key = hashing.derive_key(SECRET)
            miss = dict(phone="0813 9999 0000", email="warga@example.org", address="192.0.2.1")
            hit = dict(phone="0812 0000 0006", email="warga@example.org", address="192.0.2.1")
            timed(100, key, **miss)  # warm up
            empty = timed(args.calls, key, **miss)
            start = time.perf_counter()
            for _ in range(args.calls):
                db.session.execute(text("SELECT 1")).scalar()
            bare = (time.perf_counter() - start) / args.calls * 1e6
            kinds = (hashing.PHONE, hashing.EMAIL, hashing.ADDRESS)
            values = {
                hashing.PHONE: lambda i: f"0812{i:08d}",
                hashing.EMAIL: lambda i: f"spam{i}@example.net",
                hashing.ADDRESS: lambda i: f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            }
            db.session.add_all(
                AbuseEntry(
                    region_id="kalsel",
                    kind=kinds[i % 3],
                    value_hash=hashing.digest_of(key, kinds[i % 3], values[kinds[i % 3]](i)),
                    action=REFUSE,
                    note="bench",
                    created_by_email="bench@example.org",
                )
                for i in range(args.entries)
            )
            db.session.commit()
            assert screen(key, "kalsel", **hit) == REFUSE
            full_miss = timed(args.calls, key, **miss)
            full_hit = timed(args.calls, key, **hit)
            db.session.remove()
    print(f"machine: {machine()}\ncode: {git_revision()}\ndatabase: {args.db or 'SQLite file'}")
    print(f"{'list':<34}{'µs per check':>14}{'× empty list':>14}")
    for name, value in (
        ("bare SELECT 1 (floor)", bare),
        ("empty list (baseline)", empty),
        (f"{args.entries} entries, no match", full_miss),
        (f"{args.entries} entries, phone matches", full_hit),
    ):
        print(f"{name:<34}{value:>14.1f}{value / empty:>14.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

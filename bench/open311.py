"""What the Open311 API costs next to a bare Flask + SQLAlchemy JSON endpoint on the same
database, measured in one run.

    .venv/bin/python bench/open311.py [--cases 1000] [--repeat 50] [--posts 100] [--db URL]

Everything runs in one process through the real app (Flask test client: URL routing,
parameter checks, the publication filter, serialisation to JSON or XML; for POST the API
key, the intake rules, routing, deadlines, the outbox rows and the ApiPost record), on a
temporary SQLite file or, with --db, on that database (schema built by the migrations,
every table dropped afterwards: give it a scratch database). `--cases` published cases
are stored first. Rows:

- GET requests.json / .xml, page of 100: the public list a dashboard polls.
- GET requests/<code>.json: one case, as a client following its report does.
- GET services.json: every service point of the routing file.
- POST requests.json: one new report with an API key (`--posts` of them, one at a time).
- bare GET: a Flask view selecting the same 100 rows with SQLAlchemy and answering
  `jsonify` of six columns each; bare POST: a Flask view inserting one row from a form.

Figures are printed, never asserted. The ratio is portal / bare (lower is better).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchinfo import git_revision, machine
from flask import Flask, g, jsonify, request
from sqlalchemy import MetaData, select, text

from portal import create_app
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.open311.keys import create_key
from portal.routing.active import get_router
from portal.timeutil import utcnow
from qr.shortcode import format_code
from tests.factories import stored_complaint

SECRET = "bench-secret-key-that-is-long-enough-0001"
PAGE = 100


def _seed(count: int) -> str:
    now = utcnow()
    code = ""
    for i in range(count):
        case = stored_complaint(
            status=s.VERIFIED if i % 3 else s.IN_PROGRESS,
            title=f"Antrean pendaftaran lama {i}",
            submitted_at=now - timedelta(minutes=i),
            verified_at=now - timedelta(minutes=i) + timedelta(seconds=30),
            commit=False,
        )
        code = case.tracking_code
        if i % 200 == 199:
            db.session.commit()
    db.session.commit()
    return code


def _timed(call, repeat: int) -> list[float]:
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = call()
        took.append((time.perf_counter() - start) * 1000)
        assert answer.status_code in (200, 201), (answer.status_code, answer.get_data()[:500])
    return took


def _bare_app(url: str) -> Flask:
    """The floor: SQLAlchemy Core on the same database, no checks, no formats."""
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    key = "SERIAL PRIMARY KEY" if engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS bench_bare_api (id {key}, "
                "code VARCHAR(64), description TEXT)"
            )
        )
    bare = Flask("bare")
    columns = "tracking_code, status, title, agency_id, submitted_at, due_key"

    @bare.get("/requests")
    def requests_list():
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    f"SELECT {columns} FROM complaints WHERE confidential = :no "  # noqa: S608 - fixed columns
                    "ORDER BY submitted_at DESC LIMIT :n"
                ),
                {"no": False, "n": PAGE},
            ).all()
        return jsonify([{k: str(v) for k, v in row._mapping.items()} for row in rows])

    @bare.post("/requests")
    def requests_post():
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO bench_bare_api (code, description) VALUES (:c, :d)"),
                {"c": secrets.token_urlsafe(8), "d": request.form.get("description", "")},
            )
        return jsonify([{"ok": True}]), 201

    bare.config["ENGINE"] = engine
    return bare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--db", default=None)
    args = parser.parse_args(argv)
    from flask_migrate import upgrade

    rows: list[tuple[str, list[float], list[float] | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.sqlite3"
        env = {
            "APP_ENV": "testing",
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": tmp,
            "UPLOAD_FOLDER": f"{tmp}/uploads",
            "DATABASE_URL": url,
            "PUBLIC_BASE_URL": "http://localhost",
            "RATELIMIT_ENABLED": "0",
            # as in production: the active routing version is re-read at most once a second
            # (tests re-read it on every use, which would be most of what is measured here)
            "ROUTING_RELOAD_SECONDS": "1",
        }
        app = create_app(environ=env)

        @app.teardown_request
        def _forget_request_globals(exc):
            g.__dict__.clear()

        with app.app_context():
            upgrade()
            try:
                one = _seed(args.cases)
                point = next(get_router().service_points())
                service_code = format_code(point.short_code)
                _key, plaintext = create_key("bench-app", [], known_regions=["kalsel", "hst"])
                client = app.test_client()
                bare = _bare_app(url).test_client()
                base = "/open311/v2"
                page = f"?page_size={PAGE}"
                bare_list = _timed(lambda: bare.get("/requests"), args.repeat)
                rows.append(
                    (
                        f"GET requests.json (page of {PAGE})",
                        _timed(lambda: client.get(f"{base}/requests.json{page}"), args.repeat),
                        bare_list,
                    )
                )
                rows.append(
                    (
                        f"GET requests.xml (page of {PAGE})",
                        _timed(lambda: client.get(f"{base}/requests.xml{page}"), args.repeat),
                        bare_list,
                    )
                )
                rows.append(
                    (
                        "GET requests/<code>.json",
                        _timed(lambda: client.get(f"{base}/requests/{one}.json"), args.repeat),
                        None,
                    )
                )
                rows.append(
                    (
                        "GET services.json",
                        _timed(lambda: client.get(f"{base}/services.json"), args.repeat),
                        None,
                    )
                )
                form = {
                    "api_key": plaintext,
                    "service_code": service_code,
                    "lat": "-3.3194",
                    "long": "114.5908",
                    "first_name": "Siti",
                    "last_name": "Aminah",
                    "email": "siti@example.org",
                }

                def post():
                    tag = secrets.token_hex(4)
                    body = {
                        **form,
                        "description": f"Antrean loket pendaftaran lama {tag}, tiga jam.",
                    }
                    return client.post(f"{base}/requests.json", data=body)

                def bare_post():
                    return bare.post("/requests", data={"description": "Antrean loket lama"})

                rows.append(
                    (
                        "POST requests.json (one new report)",
                        _timed(post, args.posts),
                        _timed(bare_post, args.posts),
                    )
                )
                filed = db.session.execute(
                    select(Complaint.id).where(Complaint.channel == "api")
                ).all()
                assert len(filed) == args.posts, f"{len(filed)} of {args.posts} filed"
            finally:
                db.session.rollback()
                with db.engine.begin() as conn:
                    conn.execute(text("DROP TABLE IF EXISTS bench_bare_api"))
                    if args.db:
                        meta = MetaData()
                        meta.reflect(conn)
                        meta.drop_all(conn)
                        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            engine = db.engine.dialect.name
    print(f"# Open311 API — {machine()} — {git_revision()}")
    print(f"database: {engine}; {args.cases} published cases; {args.repeat} GETs per row")
    print()
    print("| what | p50 ms | p95 ms | bare p50 ms | portal / bare |")
    print("|---|---:|---:|---:|---:|")
    for name, took, bare in rows:
        p50 = statistics.median(took)
        p95 = statistics.quantiles(took, n=20)[-1]
        if bare:
            bare50 = statistics.median(bare)
            print(f"| {name} | {p50:.1f} | {p95:.1f} | {bare50:.2f} | {p50 / bare50:.1f} |")
        else:
            print(f"| {name} | {p50:.1f} | {p95:.1f} | — | — |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What operating the portal costs: the observability layer per request, a /metrics scrape
on a seeded database, and a photo saved and read in each photo store, each next to the bare
stack measured in the same run (issue 19).

    .venv/bin/python bench/operations.py [--db postgresql://root@localhost/aduan_bench_ops]
        [--repeat 1000] [--scrapes 20] [--rounds 50] [--sizes 1000,20000]

One process, the Flask test client, the real app. The database (default aduan_bench_ops,
created when missing) has its public schema dropped and rebuilt by the migrations
(bench/queue_seed.py) and left empty at the end, so give it a scratch database. Three tables:

1. Per request: GET /healthz and GET / (the home page, a rendered template), sequential,
   for a bare Flask app (a string and a render_template_string), the portal with
   LOG_FORMAT=text and =json — the root logger writing to a real FileHandler on a temp
   file with the portal's formatter, request-id filter and redaction filter, so every
   access line is formatted and written — and the portal with the observability hooks
   taken out (the RequestObserver WSGI wrapper and its before_request hook removed in
   this process only), which isolates their cost. req/s is 1 / mean.
2. /metrics with the bearer token over --sizes cases (bench/queue_seed.py, spread over the
   demo regions) and two outbox rows per case (mostly sent, some pending, some dead),
   next to a bare `SELECT count(*)` of complaints and outbox_messages on one connection.
   Every SQL statement of one scrape is timed; the slowest is shown with EXPLAIN ANALYZE.
3. A ~500 KB JPEG saved and read back through LocalPhotoStore (write, fsync, rename,
   fsync of the folder) and S3PhotoStore against a `moto_server` subprocess, next to bare
   open/write/fsync/read and bare boto3 put_object/get_object on the same server.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
import queue_seed
from benchinfo import git_revision, machine
from flask import Flask, g, render_template_string
from sqlalchemy import event

from portal import create_app
from portal.observability.access_log import RequestObserver
from portal.observability.log_setup import formatter_for
from portal.routing.loader import load_router

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-that-is-long-enough-0001"
TOKEN = "bench-metrics-token-0123456789abcdef"
HOME = "/"
HEALTH = "/healthz"
BARE_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><h1>{{ title }}</h1>
<ul>{% for item in items %}<li><a href="/r/{{ item }}">{{ item }}</a></li>{% endfor %}</ul>
</body></html>"""

OUTBOX = """
INSERT INTO outbox_messages (message_id, template, recipient, locale, context_json,
    complaint_id, region_id, status, attempts, next_attempt_at, created_at, sent_at)
SELECT 'bench-' || c.id || '-' || k || '@aduan', 'status_changed',
    'warga' || c.id || '@example.org', 'id', '{}', c.id, c.region_id,
    CASE WHEN mod(c.id * 7 + k, 100) < 90 THEN 'sent'
         WHEN mod(c.id * 7 + k, 100) < 97 THEN 'pending' ELSE 'dead' END,
    0, now(), c.submitted_at + interval '1 minute',
    CASE WHEN mod(c.id * 7 + k, 100) < 90 THEN c.submitted_at + interval '2 minutes' END
FROM complaints c CROSS JOIN generate_series(1, 2) AS k
"""


def _ms(took: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(took, n=20)[-1] if len(took) > 2 else max(took)
    return statistics.median(took), p95


def _timed(call, repeat: int) -> list[float]:
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = call()
        answer.get_data()
        took.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (answer.status_code, answer.get_data()[:300])
        answer.close()
    return took


def _env(url: str, tmp: str) -> dict[str, str]:
    return {
        "APP_ENV": "testing",
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": tmp,
        "UPLOAD_FOLDER": f"{tmp}/uploads",
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": "http://localhost",
        "RATELIMIT_ENABLED": "0",
        "ROUTING_RELOAD_SECONDS": "1",  # as in production (tests re-read it on every use)
        "METRICS_TOKEN": TOKEN,
    }


class FileLogs:
    """The root logger writing to a temp file in one LOG_FORMAT, as production writes to
    stderr: the portal's formatter; create_app adds the request-id and redaction filters."""

    def __init__(self, path: str, log_format: str):
        self.path = path
        self.handler = logging.FileHandler(path, encoding="utf-8")
        self.handler.setFormatter(formatter_for(log_format))

    def __enter__(self) -> FileLogs:
        root = logging.getLogger()
        self._saved = (root.handlers[:], root.level)
        root.handlers[:] = [self.handler]
        root.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc) -> None:
        root = logging.getLogger()
        root.handlers[:], level = self._saved
        root.setLevel(level)

    def lines(self) -> int:
        with open(self.path, "rb") as f:
            return sum(1 for _ in f)


def _portal(url: str, tmp: str) -> Flask:
    app = create_app(environ=_env(url, tmp))

    @app.teardown_request
    def _forget_request_globals(exc):
        g.__dict__.clear()

    return app


def _without_observability(app: Flask) -> Flask:
    """Take out what init_access_log added: the WSGI wrapper and its before_request hook."""
    wrapped = app.wsgi_app
    layers = []
    while not isinstance(wrapped, RequestObserver):  # other middleware may sit outside it
        layers.append(wrapped)
        wrapped = getattr(wrapped, "app", None) or getattr(wrapped, "wsgi_app", None)
        if wrapped is None:
            raise SystemExit("RequestObserver not found around app.wsgi_app")
    if layers:
        raise SystemExit("RequestObserver is not the outermost WSGI layer; update the bench")
    app.wsgi_app = wrapped.wsgi_app  # type: ignore[method-assign]
    hooks = app.before_request_funcs.get(None, [])
    hooks[:] = [f for f in hooks if f.__name__ != "_remember_route"]
    return app


def _bare() -> Flask:
    bare = Flask("bare")

    @bare.get(HEALTH)
    def healthz():
        return "ok"

    @bare.get(HOME)
    def home():
        return render_template_string(BARE_PAGE, title="Aduan", items=range(20))

    return bare


def bench_requests(url: str, tmp: str, repeat: int, batches: int = 5):
    """Every stack in turn, `batches` times, so a change in the machine's load falls on all."""
    stacks: list[tuple[str, object, FileLogs | None]] = [
        ("bare Flask", _bare().test_client(), None)
    ]
    for label, log_format, hooks in (
        ("portal, LOG_FORMAT=text", "text", True),
        ("portal, LOG_FORMAT=json", "json", True),
        ("portal, observability hooks removed", "json", False),
    ):
        logs = FileLogs(f"{tmp}/{log_format}-{hooks}.log", log_format)
        with logs:  # create_app puts its filters on the handlers it finds: this one
            app = _portal(url, tmp)
        if not hooks:
            _without_observability(app)
        stacks.append((label, app.test_client(), logs))
    took: dict[tuple[str, str], list[float]] = {}
    per_batch = max(3, repeat // batches)
    for batch in range(batches):
        for label, client, logs in stacks:
            root = logging.getLogger()
            saved = (root.handlers[:], root.level)
            if logs is not None:
                root.handlers[:] = [logs.handler]
                root.setLevel(logging.INFO)
            try:
                for path in (HEALTH, HOME):
                    if batch == 0:
                        _timed(lambda c=client, p=path: c.get(p), 20)  # warm: templates, routing
                    took.setdefault((label, path), []).extend(
                        _timed(lambda c=client, p=path: c.get(p), per_batch)
                    )
            finally:
                root.handlers[:], level = saved
                root.setLevel(level)
    for label, _client, logs in stacks:
        if logs is not None:
            logs.handler.flush()
            print(f"  {label}: {logs.lines()} log lines written to the file", file=sys.stderr)
            logs.handler.close()
    return [(label, path, t) for (label, path), t in took.items()]


def _seed_outbox(url: str) -> int:
    with psycopg.connect(queue_seed.psycopg_url(url), autocommit=True) as conn:
        conn.execute(OUTBOX)
        conn.execute("VACUUM ANALYZE outbox_messages")
        return conn.execute("SELECT count(*) FROM outbox_messages").fetchone()[0]


def _empty_schema(url: str) -> None:
    """Leave the database as bare as other benches leave theirs: no tables, no seeded rows."""
    with psycopg.connect(queue_seed.psycopg_url(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _bare_counts(url: str, repeat: int) -> list[float]:
    took = []
    with psycopg.connect(queue_seed.psycopg_url(url)) as conn:
        for _ in range(repeat + 3):
            start = time.perf_counter()
            conn.execute("SELECT count(*) FROM complaints").fetchone()
            conn.execute("SELECT count(*) FROM outbox_messages").fetchone()
            took.append((time.perf_counter() - start) * 1000)
    return took[3:]


def bench_metrics(url: str, tmp: str, sizes: list[int], scrapes: int):
    rows, explains = [], []
    router = load_router(ROOT / "routing_rules.yaml")
    for cases in sizes:
        queue_seed.rebuild_schema(url)
        queue_seed.seed(url, cases, router, say=lambda *_: None)
        outbox = _seed_outbox(url)
        app = _portal(url, tmp)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        scrape = _timed(lambda c=client, h=headers: c.get("/metrics", headers=h), scrapes + 3)[3:]
        statements: list[tuple[float, str, object]] = []
        with app.app_context():
            from portal.extensions import db

            engine = db.engine

            def before(conn, cursor, statement, params, context, executemany):
                context._bench_started = time.perf_counter()

            def after(conn, cursor, statement, params, context, executemany, seen=statements):
                took = (time.perf_counter() - context._bench_started) * 1000
                seen.append((took, statement, params))

            event.listen(engine, "before_cursor_execute", before)
            event.listen(engine, "after_cursor_execute", after)
            try:
                client.get("/metrics", headers=headers).close()
            finally:
                event.remove(engine, "before_cursor_execute", before)
                event.remove(engine, "after_cursor_execute", after)
            statements.sort(key=lambda row: row[0], reverse=True)
            if statements:
                took, statement, params = statements[0]
                with engine.connect() as conn:
                    plan = conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, params).all()
                sql_ms = sum(row[0] for row in statements)
                explains.append(
                    (cases, took, len(statements), sql_ms, statement, [r[0] for r in plan])
                )
            db.engine.dispose()
        rows.append((cases, outbox, scrape, _bare_counts(url, scrapes)))
    return rows, explains


def _jpeg(target: int = 500_000) -> bytes:
    """A real JPEG of about `target` bytes: noise, which compresses little."""
    from PIL import Image

    rng = random.Random(19)
    side = 400
    while True:
        pixels = bytes(rng.getrandbits(8) for _ in range(side * side * 3))
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), pixels).save(out, "JPEG", quality=85)
        if out.tell() >= target * 0.9:
            return out.getvalue()
        side += 60


def _rounds(save, read, rounds: int) -> tuple[list[float], list[float]]:
    saves, reads = [], []
    for _ in range(rounds + 3):
        start = time.perf_counter()
        key = save()
        mid = time.perf_counter()
        read(key)
        end = time.perf_counter()
        saves.append((mid - start) * 1000)
        reads.append((end - mid) * 1000)
    return saves[3:], reads[3:]


def bench_photos(tmp: str, rounds: int):
    from portal.photo_store.local import LocalPhotoStore
    from portal.photo_store.s3 import S3PhotoStore
    from tests.components import s3_server

    photo = _jpeg()
    rows = []
    store = LocalPhotoStore(f"{tmp}/photos")
    rows.append(("local folder: LocalPhotoStore", *_rounds(lambda: store.save(photo),
                                                          store.read, rounds)))  # fmt: skip
    bare_dir = Path(tmp) / "bare"
    bare_dir.mkdir()
    counter = iter(range(10**9))

    def bare_save() -> str:
        path = bare_dir / f"{next(counter)}.jpg"
        with open(path, "wb") as f:
            f.write(photo)
            f.flush()
            os.fsync(f.fileno())
        return str(path)

    rows.append(("local folder: bare open/write/fsync", *_rounds(
        bare_save, lambda p: Path(p).read_bytes(), rounds)))  # fmt: skip
    server = s3_server()
    try:
        bucket = server.new_bucket()
        settings = server.settings(bucket)
        s3 = S3PhotoStore(
            bucket=bucket,
            endpoint_url=settings["S3_ENDPOINT_URL"],
            access_key=settings["S3_ACCESS_KEY"],
            secret_key=settings["S3_SECRET_KEY"],
            region=settings["S3_REGION"],
        )
        rows.append(("S3 (moto_server): S3PhotoStore", *_rounds(lambda: s3.save(photo),
                                                               s3.read, rounds)))  # fmt: skip
        client = server.client()

        def bare_put() -> str:
            key = f"bare-{next(counter)}.jpg"
            client.put_object(Bucket=bucket, Key=key, Body=photo)
            return key

        rows.append(("S3 (moto_server): bare boto3 put/get", *_rounds(
            bare_put, lambda k: client.get_object(Bucket=bucket, Key=k)["Body"].read(),
            rounds)))  # fmt: skip
    finally:
        server.stop()
    return len(photo), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="postgresql://root@localhost/aduan_bench_ops")
    parser.add_argument("--repeat", type=int, default=1000)
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--sizes", default="1000,20000")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    load = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        print("schema by the migrations, then per-request timings …", file=sys.stderr)
        queue_seed.ensure_database(args.db)
        queue_seed.rebuild_schema(args.db)
        try:
            requests = bench_requests(args.db, tmp, args.repeat)
            print("/metrics on seeded databases …", file=sys.stderr)
            scrapes, explains = bench_metrics(args.db, tmp, sizes, args.scrapes)
        finally:
            _empty_schema(args.db)
        print("photo stores …", file=sys.stderr)
        photo_size, photos = bench_photos(tmp, args.rounds)
    load_after = os.getloadavg()

    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        print(f"# Operations: observability and photo store costs — {machine()} — {git_revision()}")
        print(
            f"database: PostgreSQL ({args.db.rsplit('/', 1)[-1]}); load average "
            f"{load[0]:.2f} at start, {load_after[0]:.2f} at end; "
            f"{time.perf_counter() - started:.0f} s in all"
        )
        print()
        print(f"### Per request (test client, sequential, {args.repeat} requests each)")
        print()
        print("| stack | GET | req/s | p50 ms | p95 ms | p50 / bare |")
        print("|---|---|---:|---:|---:|---:|")
        bare50 = {
            path: statistics.median(t) for label, path, t in requests if label == "bare Flask"
        }
        for label, path, took in requests:
            p50, p95 = _ms(took)
            rps = 1000 / statistics.fmean(took)
            print(f"| {label} | {path} | {rps:.0f} | {p50:.2f} | {p95:.2f} | "
                  f"{p50 / bare50[path]:.1f} |")  # fmt: skip
        print()
        print(f"### /metrics with the bearer token ({args.scrapes} scrapes each)")
        print()
        print("| cases | outbox rows | p50 ms | p95 ms | bare count(*) p50 ms | metrics / bare |")
        print("|---:|---:|---:|---:|---:|---:|")
        for cases, outbox, took, bare in scrapes:
            p50, p95 = _ms(took)
            b50 = statistics.median(bare)
            print(
                f"| {cases:,} | {outbox:,} | {p50:.1f} | {p95:.1f} | {b50:.2f} | {p50 / b50:.1f} |"
            )
        for cases, took, count, sql_ms, statement, plan in explains:
            print()
            first_line = " ".join(statement.split())[:160]
            print(f"one scrape at {cases:,} cases ran {count} statements, {sql_ms:.1f} ms in all "
                  f"(client side, round trips included); the slowest, {took:.1f} ms: "
                  f"`{first_line}…`")  # fmt: skip
            print()
            print("```")
            for line in plan:
                print(line)
            print("```")
        print()
        print(f"### Photo store: a {photo_size / 1000:.0f} KB JPEG, {args.rounds} rounds each")
        print()
        print("| store | save p50 ms | save p95 ms | read p50 ms | read p95 ms |")
        print("|---|---:|---:|---:|---:|")
        for label, saves, reads in photos:
            s50, s95 = _ms(saves)
            r50, r95 = _ms(reads)
            print(f"| {label} | {s50:.1f} | {s95:.1f} | {r50:.2f} | {r95:.2f} |")
    print(report.getvalue(), end="")
    if args.record:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as results:
            results.write("\n" + report.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The staff queue page at 100,000 and 1,000,000 cases on PostgreSQL, app vs. bare SQL.

    .venv/bin/python bench/queue_page.py --cases 100000 [--cases 1000000] [--requests 200]
        [--database-url postgresql://root@localhost/aduan_bench_{cases}] [--reseed]
        [--record] [--short]

For each size, a database of its own (`aduan_bench_100000`, …) is seeded once by
bench/queue_seed.py and reused by later runs while it holds that many cases (`--reseed`
forces a fresh one, e.g. when the seeded deadlines have aged). Then, as a signed-in
regional admin of the busiest region (Kalimantan Selatan, half of all cases):

- app: GET /staf/antrian through the real app (Flask test client: routing, login, the
  filter form, the queries, the template), `--requests` times per view after a warm-up;
- bare: the SQL statements the view sends (compiled from the same code, sent with the
  same bound parameters, on the same condition) through one psycopg connection, no
  Flask, no ORM;

and prints p50/p95 of both, the app's overhead, and EXPLAIN (ANALYZE, BUFFERS) of each
statement (`--short`: the index used and the time only). `--record` appends the table to
bench/RESULTS.md. The aim is a p95 under 100 ms at 1,000,000 cases; it is reported, not
asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))

import psycopg  # noqa: E402
from benchinfo import git_revision, machine  # noqa: E402
from psycopg.rows import namedtuple_row  # noqa: E402
from queue_seed import prepare as seed_database  # noqa: E402
from queue_seed import psycopg_url, seeded_cases  # noqa: E402

from portal.staff.queue import page_from_sample  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
DEFAULT_URL = "postgresql://root@localhost/aduan_bench_{cases}"
AIM_P95_MS = 100.0
EMAIL, PASSWORD, REGION = "bench.queue@example.org", "bench-queue-sandi-123", "kalsel"
VIEWS = {
    "default (open cases, nearest deadline)": "/staf/antrian",
    # A place name matches ~0.2% of cases, as a real search would (see queue_seed.py).
    "filtered + searched (agency, classification, place)": (
        "/staf/antrian?agency=rsud-ulin&classification=complaint&q=karangjati"
    ),
    # A word in ~10% of all cases: the worst kind of search for a trigram index.
    "filtered + common word (agency, 'kuitansi')": "/staf/antrian?agency=rsud-ulin&q=kuitansi",
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float

    @classmethod
    def of(cls, samples_ms: list[float]) -> Timing:
        ordered = sorted(samples_ms)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return cls(statistics.median(ordered), p95)


@dataclass(frozen=True)
class ViewResult:
    cases: int
    view: str
    url: str
    app: Timing
    bare: Timing
    rows_shown: int
    plans: dict[str, list[str]]


def say(message: str) -> None:
    print(message, flush=True)


def make_app(url: str, instance: str):
    from portal import create_app

    return create_app(
        environ={
            "APP_ENV": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-queue-secret-key-only-for-this-benchmark",
            "INSTANCE_PATH": instance,
        }
    )


def ensure_bench_user(
    app, email: str = EMAIL, password: str = PASSWORD, role: str = "regional-admin"
) -> None:
    from portal.accounts.services import create_user, find_by_email
    from portal.routing.active import get_router

    with app.app_context():
        if find_by_email(email) is None:
            create_user(get_router(), email=email, password=password, role=role, region=REGION)


def signed_in_client(app, email: str = EMAIL, password: str = PASSWORD):
    client = app.test_client()
    token = CSRF.search(client.get("/staf/masuk").get_data(as_text=True)).group(1)
    response = client.post(
        "/staf/masuk", data={"csrf_token": token, "email": email, "password": password}
    )
    if response.status_code != 302:
        raise SystemExit(f"bench user could not sign in: HTTP {response.status_code}")
    return client


def timed(call: Callable[[], object], requests: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def statements(app, url: str) -> tuple[dict, object]:
    """The view's statements for this URL, built by the code the view runs, and its filters.

    Without a search: the page's rows and the tab counts. With one: the search sample
    (counts, and usually the page) and the rows query, which the view runs only when the
    sample cannot tell the page (portal.staff.queue.page_from_sample).
    """
    from flask import request
    from sqlalchemy import select

    from forms.queue import filter_form, read_filters
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.routing.active import get_router
    from portal.staff.queue import (
        counts_statement,
        queue_scope,
        rows_statement,
        search_statement,
    )
    from portal.timeutil import utcnow

    query = url.partition("?")[2]
    with app.test_request_context(f"/staf/antrian?{query}"):
        user = db.session.execute(select(User).filter_by(email=EMAIL)).scalar_one()
        router = get_router()
        form = filter_form(request.args, queue_scope(router, user))
        now = utcnow()
        filters, problems = read_filters(form, now.date())
        assert not problems, problems
        # render_postcompile: IN lists become one bound parameter per item, as sent.
        options = {"dialect": db.engine.dialect, "compile_kwargs": {"render_postcompile": True}}
        second = search_statement if filters.search else counts_statement
        name = second.__name__.removesuffix("_statement")
        compiled = {
            name: second(user, filters, router, now).compile(**options),
            "rows": rows_statement(user, filters, router, now).compile(**options),
        }
        return compiled, filters


def explain(conn: psycopg.Connection, compiled) -> list[str]:
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + compiled.string, compiled.params).fetchall()
    return [r[0] for r in rows]


def run_view(app, client, db_url: str, cases: int, view: str, url: str, n: int) -> ViewResult:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        return response

    rows_shown = get().get_data(as_text=True).count('href="/staf/kasus/')
    app_samples = timed(get, n)
    compiled, filters = statements(app, url)
    with psycopg.connect(psycopg_url(db_url), row_factory=namedtuple_row) as conn:
        # As the view does (portal.staff.queue._plan_each_query): no generic plans.
        conn.execute("SET plan_cache_mode = force_custom_plan")

        def run(name: str) -> list:
            return conn.execute(compiled[name].string, compiled[name].params).fetchall()

        def bare() -> bool:  # what queue_page sends, in the same order, on the same condition
            if "search" in compiled and page_from_sample(run("search"), filters) is not None:
                return False
            if "counts" in compiled:
                run("counts")
            run("rows")
            return True

        bare_samples = timed(bare, n)
        if not bare():
            del compiled["rows"]  # never sent: the sample holds the page
        plans = {name: explain(conn, stmt) for name, stmt in compiled.items()}
    return ViewResult(
        cases, view, url, Timing.of(app_samples), Timing.of(bare_samples), rows_shown, plans
    )


def bench_size(cases: int, url_template: str, requests: int, reseed: bool) -> list[ViewResult]:
    db_url = url_template.format(cases=cases)
    if reseed or seeded_cases(db_url) != cases:
        seed_database(db_url, cases, say=say)
    with tempfile.TemporaryDirectory() as instance:
        app = make_app(db_url, instance)
        ensure_bench_user(app)
        client = signed_in_client(app)
        results = []
        for view, url in VIEWS.items():
            say(f"{cases:,} cases · {view}: {requests} requests …")
            results.append(run_view(app, client, db_url, cases, view, url, requests))
        return results


def table(results: list[ViewResult]) -> str:
    lines = [
        "| cases | view | app p50 ms | app p95 ms | bare SQL p50 ms | bare SQL p95 ms "
        "| app overhead p50 ms | rows on page | p95 < 100 ms |",
        "|--:|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.cases:,} | {r.view} | {r.app.p50:.1f} | {r.app.p95:.1f} | "
            f"{r.bare.p50:.1f} | {r.bare.p95:.1f} | {r.app.p50 - r.bare.p50:.1f} | "
            f"{r.rows_shown} | {'yes' if r.app.p95 < AIM_P95_MS else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def plan_report(results: list[ViewResult]) -> str:
    out = []
    for r in results:
        for name, plan in r.plans.items():
            out.append(f"--- {r.cases:,} cases · {r.view} · {name} query ({r.url})")
            out.extend(plan)
    return "\n".join(out)


def plan_summary(results: list[ViewResult]) -> str:
    """One line per statement: the index it starts from and its execution time."""
    lines = []
    for r in results:
        for name, plan in r.plans.items():
            scans = sorted({m.group(1) for line in plan for m in _INDEX.finditer(line)})
            took = next((line for line in plan if line.startswith("Execution Time")), "")
            lines.append(
                f"- {r.cases:,} · {r.view} · {name}: {', '.join(scans) or 'no index'}; {took}"
            )
    return "\n".join(lines)


_INDEX = re.compile(r"(?:Index (?:Only )?Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)")


def postgres_version(db_url: str) -> str:
    with psycopg.connect(psycopg_url(db_url)) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def record(results: list[ViewResult], command: str, db_url: str, requests: int) -> None:
    """Append a "Queue page" section to bench/RESULTS.md (never rewrites what is there)."""
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    entry = (
        f"\n## Queue page — {stamp}\n\n"
        f"- machine: {machine()}\n"
        f"- PostgreSQL {postgres_version(db_url)}, Python {platform.python_version()}\n"
        f"- code: {git_revision()}\n"
        f"- load average (1 min) when the run ended: {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} cores (other work on the machine shows up in p95)\n"
        f"- command: `{command}`\n"
        f"- what: GET /staf/antrian as the regional admin of Kalimantan Selatan (half of all "
        f"cases), {requests} requests per view after 10 warm-up requests, in-process "
        "through the Flask test client; bare SQL = the statements the view sends (page rows "
        "and tab counts; with a search, its sample, plus the rows query when the sample "
        "cannot tell the page) through one psycopg connection, same parameters\n\n"
        f"{table(results)}\n"
        f"Query plans (EXPLAIN ANALYZE, index used and time):\n\n{plan_summary(results)}\n"
    )
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n")
    with RESULTS.open("a") as f:
        f.write(entry)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--cases", type=int, action="append", help="repeatable; default 100000")
    p.add_argument("--requests", type=int, default=200, help="timed requests per view")
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_QUEUE_DATABASE_URL", DEFAULT_URL),
        help="PostgreSQL URL; {cases} is replaced by the size (one database per size)",
    )
    p.add_argument("--reseed", action="store_true", help="seed again even if already seeded")
    p.add_argument("--record", action="store_true", help="append the table to RESULTS.md")
    p.add_argument(
        "--short", action="store_true", help="print one line per query plan, not the plans"
    )
    args = p.parse_args(argv)
    results = []
    for cases in args.cases or [100_000]:
        results += bench_size(cases, args.database_url, args.requests, args.reseed)
    say("")
    say(plan_summary(results) if args.short else plan_report(results))
    say("")
    say(table(results))
    if args.record:
        command = "bench/queue_page.py " + " ".join(argv if argv is not None else sys.argv[1:])
        last_url = args.database_url.format(cases=(args.cases or [100_000])[-1])
        record(results, command, last_url, args.requests)
        say(f"appended to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

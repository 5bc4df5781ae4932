"""The leaders' dashboard for one region holding 1,000,000 cases, on PostgreSQL.

    .venv/bin/python bench/dashboard.py [--cases 1000000] [--requests 100] [--reseed]
        [--database-url postgresql://root@localhost/aduan_bench_dash_{cases}] [--record]

A database of its own (`aduan_bench_dash_1000000`), seeded once by bench/queue_seed.py
with every case in Kalimantan Selatan (two years of history, about 3.6% open), then
`stats rebuild` (timed: the one-off cost after an upgrade). As a signed-in leader:

- app: the real pages through the Flask test client (login, routing, the recap, the
  overdue list, the template), `--requests` times each after a warm-up: the region page
  (default period, 12 months), one agency, the CSV export and the public page; then what
  a page pays, at most every DASHBOARD_REFRESH_SECONDS per process, after cases changed:
  recomputing the current month from its cases;
- bare: the same page's SQL statements sent through one psycopg connection (no Flask, no
  ORM), and the naive alternative the recap replaces: one GROUP BY with medians over the
  period's cases, straight from the complaints table.

Prints p50/p95 per view. The aim is a p95 under 300 ms; reported, not asserted.
`--record` appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))

import psycopg  # noqa: E402
from benchinfo import git_revision, machine  # noqa: E402
from queue_page import Timing, ensure_bench_user, make_app, signed_in_client, timed  # noqa: E402
from queue_seed import prepare as seed_database  # noqa: E402
from queue_seed import psycopg_url, seeded_cases  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
DEFAULT_URL = "postgresql://root@localhost/aduan_bench_dash_{cases}"
AIM_P95_MS = 300.0
EMAIL, PASSWORD, REGION = "bench.sekda@example.org", "bench-sekda-sandi-123", "kalsel"
VIEWS = {
    "region page (12 months)": "/staf/dasbor",
    "one agency (RSUD Ulin)": "/staf/dasbor/instansi/rsud-ulin",
    "CSV export (region)": "/staf/dasbor/unduh.csv",
    "public page": f"/statistik/{REGION}",
}
NAIVE_SQL = """
SELECT agency_id, count(*),
       sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_days),
       avg(first_response_days)
FROM complaints
WHERE region_id = %(region)s AND submitted_at >= %(start)s
GROUP BY agency_id
"""


def say(message: str) -> None:
    print(message, flush=True)


def leader_client(app):
    ensure_bench_user(app, EMAIL, PASSWORD, role="leader")
    return signed_in_client(app, EMAIL, PASSWORD)


def rebuild_recap(app) -> float:
    from portal.dashboard.backfill import backfill_region
    from portal.dashboard.recap import rebuild
    from portal.routing.active import get_router

    with app.app_context():
        router = get_router()
        region = router.region(REGION)
        started = time.perf_counter()
        backfill_region(router, REGION)
        rebuild(REGION, region.timezone)
        return time.perf_counter() - started


def page_statements(app) -> list[tuple[str, dict]]:
    """The SQL the region page sends, compiled by SQLAlchemy with its bound values."""
    from sqlalchemy.dialects import postgresql

    from portal.dashboard import overview as r
    from portal.dashboard.page import region_today
    from portal.dashboard.period import parse_period
    from portal.routing.active import get_router

    with app.app_context():
        region = get_router().region(REGION)
        today = region_today(region)
        period = parse_period(None, None, None, today)
        stmts = [
            r._recap_rows(REGION, period, None, False),
            r._running_late(region, period, today, None, False),
            r._late_filter(
                r.select(r.Complaint.tracking_code, r.Complaint.title),
                REGION, today, None, False,
            ).order_by(r.Complaint.due_key, r.Complaint.id).limit(r.OVERDUE_LIST_LIMIT),
        ]  # fmt: skip
        out = []
        for stmt in stmts:
            compiled = stmt.compile(
                dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True}
            )
            out.append((str(compiled), dict(compiled.params)))
        return out


def recompute_current_month(app) -> None:
    """What a page pays after a case changed: mark the month, then refresh it."""
    from portal.dashboard.models import DirtyMonth
    from portal.dashboard.page import region_today
    from portal.dashboard.recap import refresh
    from portal.extensions import db
    from portal.routing.active import get_router

    with app.app_context():
        region = get_router().region(REGION)
        today = region_today(region)
        db.session.add(DirtyMonth(region_id=REGION, month=today.replace(day=1)))
        db.session.commit()
        if refresh(REGION, region.timezone) != 1:
            raise SystemExit("expected exactly one month to recompute")


def run(cases: int, url_template: str, requests: int, reseed: bool) -> tuple[list, float]:
    url = url_template.format(cases=cases)
    if reseed or seeded_cases(url) != cases:
        seed_database(url, cases, say=say, regions=(REGION,))
    rows = []
    with tempfile.TemporaryDirectory() as instance:
        app = make_app(url, instance)
        say("rebuilding the monthly recap (stats rebuild) …")
        rebuild_s = rebuild_recap(app)
        say(f"  {rebuild_s:.1f} s")
        client = leader_client(app)
        for name, path in VIEWS.items():
            app_ms = timed(lambda p=path: _ok(client.get(p)), requests)
            rows.append((name, Timing.of(app_ms)))
            say(f"  {name}: p50 {rows[-1][1].p50:.1f} ms, p95 {rows[-1][1].p95:.1f} ms")

        rows.append(("recompute one changed month (at most every 30 s per process)",
                     Timing.of(timed(lambda: recompute_current_month(app),
                                     max(10, requests // 5), warmup=1))))  # fmt: skip
        say(f"  {rows[-1][0]}: p95 {rows[-1][1].p95:.1f} ms")
        statements = page_statements(app)
        with psycopg.connect(psycopg_url(url)) as conn:

            def bare():
                for sql, params in statements:
                    conn.execute(sql, params).fetchall()

            rows.append(("bare: the region page's SQL (psycopg)", Timing.of(timed(bare, requests))))
            start = date.today().replace(day=1).replace(year=date.today().year - 1)

            def naive():
                conn.execute(NAIVE_SQL, {"region": REGION, "start": start}).fetchall()

            rows.append((
                "bare: naive GROUP BY + median over the cases (no recap)",
                Timing.of(timed(naive, max(5, requests // 10), warmup=1)),
            ))  # fmt: skip
    return rows, rebuild_s


def _ok(response):
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code} from {response.request.path}")
    return response


def table(cases: int, rows: list, rebuild_s: float) -> str:
    lines = [
        f"| view ({cases:,} cases in one region) | p50 ms | p95 ms | aim p95 < 300 ms |",
        "|---|---:|---:|---|",
    ]
    for name, t in rows:
        verdict = "" if name.startswith("bare") else ("met" if t.p95 < AIM_P95_MS else "missed")
        lines.append(f"| {name} | {t.p50:.1f} | {t.p95:.1f} | {verdict} |")
    lines.append(f"\nOne-off `stats rebuild` of the region: {rebuild_s:.1f} s.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--reseed", action="store_true")
    p.add_argument("--database-url", default=os.environ.get("BENCH_DASH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--record", action="store_true", help="append the table to RESULTS.md")
    args = p.parse_args(argv)
    rows, rebuild_s = run(args.cases, args.database_url, args.requests, args.reseed)
    text = table(args.cases, rows, rebuild_s)
    print()
    print(text)
    if args.record:
        command = "make bench-dashboard (bench/dashboard.py " + " ".join(argv or sys.argv[1:]) + ")"
        with RESULTS.open("a") as f:
            f.write(
                f"\n## Leaders' dashboard, {date.today().isoformat()}\n\n"
                f"Command: `{command.strip()}`. Machine: {machine()}. Revision: {git_revision()}."
                f"\n\n{text}\n"
            )


if __name__ == "__main__":
    main()

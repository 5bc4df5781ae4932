"""`make bench`: the portal's real submission path against a bare Flask baseline.

Both targets are served by gunicorn with the same settings and the same kind of database,
and loaded by a separate process (bench/load.py) of virtual citizens who GET the form and
POST it. The product aim is that the portal files complaints at least half as fast as the
bare app; that is reported, never asserted. The run fails (exit 1) only when something is
broken: a server that does not start, a request that errors, or a report that was
acknowledged but not stored.

    .venv/bin/python bench/run.py [--seconds 15] [--rounds 3] [--concurrency 6]
                                  [--workers 2] [--db sqlite|postgresql://…] [--record]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchinfo import git_revision, machine

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
OUT_DIR = BENCH / "out"
RESULTS = BENCH / "RESULTS.md"
GOAL_RATIO = 0.5
# Rounds after the first reuse warm servers: a short warm-up only fills the pipeline.
LATER_WARMUP = 0.5
MAX_ERROR_SAMPLES = 8
# The portal's region for the service point below (rsud-ulin is in Kalimantan Selatan).
AGENCY, UNIT, SERVICE, REGION = "rsud-ulin", "poli-umum", "pendaftaran", "kalsel"
PORTAL_LOCATION = (
    r"^(?:https?://[^/]+)?/lacak/[A-Z]{2,4}-[A-Z0-9]{6}\?"
    r"(?=(?:[^#]*&)?t=[^&#]+)(?=(?:[^#]*&)?baru=1(?:[&#]|$))"
)
BARE_LOCATION = r"^(?:https?://[^/]+)?/selesai/\d+$"
RESULTS_HEADER = """# Benchmark results

What is measured: the citizen's real submission path, `POST /q/<payload>` (the QR form,
CSRF and one-time `submission_key` included), served by gunicorn, against a bare Flask +
Flask-SQLAlchemy app (`bench/bare_app.py`) that inserts one row per POST. Both are served
by gunicorn with the same settings and the same kind of database, and loaded the same way
by a separate process (`bench/load.py`): each virtual citizen GETs the form, parses the
hidden inputs from the HTML and POSTs a valid multipart form, which must answer 303. Only
the POSTs are timed (complaints/s, p50/p95); every POST pays for one GET on both sides.
After the run the rows actually stored are counted and must equal the 303s received.

To spread the noise of a shared machine over both sides, both servers stay up and are
loaded one at a time in alternating rounds (bare, portal, portal, bare, …). Extra columns:
server CPU ms per GET+POST (gunicorn master + workers, from /proc) and the load process's
own CPU (% of one core), so a CPU-bound server or an overloaded client shows up.

The product aim is a portal/bare throughput ratio of at least 0.5. It is reported, not
asserted: the run fails only if a request errors, a server does not start or a report is
lost.

Reproduce with `make bench` (SQLite in a temp dir). On PostgreSQL:
`BENCH_DATABASE_URL=postgresql://root@localhost/test make bench`, or
`.venv/bin/python bench/run.py --db postgresql://root@localhost/test`; each target then
gets its own throw-away schema in that database, dropped afterwards (nothing else in the
database is touched). Other options: `--seconds`, `--rounds`, `--warmup`,
`--concurrency`, `--workers`, `--threads`, `--only`; `--record` appends the table to this
file. `bench/profile_post.py` shows where a submission's time goes (cProfile, in-process).

"""


class BenchError(RuntimeError):
    """Setting up or starting a target failed; the run cannot measure it."""


# --------------------------------------------------------------------------- database


def psycopg3_url(url: str) -> str:
    """postgresql://… means the psycopg 3 driver (psycopg2 is not installed)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """SQLite in each target's temp dir, or one schema per target in a PostgreSQL database.

    A private schema (selected through the connection's search_path) keeps the benchmark
    away from whatever else lives in the database, e.g. a test suite running meanwhile.
    """

    def __init__(self, url: str | None) -> None:
        self.url = None if url in (None, "", "sqlite") else url
        self._schemas: dict[str, str] = {}
        if self.url and not self.url.startswith(("postgres://", "postgresql")):
            raise SystemExit(f"--db must be 'sqlite' or a postgresql:// URL, not {self.url!r}")

    def _engine(self) -> Any:
        from sqlalchemy import create_engine

        return create_engine(psycopg3_url(self.url or ""), isolation_level="AUTOCOMMIT")

    def describe(self) -> str:
        """Which database, for the table and RESULTS.md (no password is ever printed)."""
        if self.url is None:
            return f"SQLite {sqlite3.sqlite_version} (file in a temp dir, default settings)"
        from sqlalchemy import text

        engine = self._engine()
        try:
            with engine.connect() as conn:
                server = conn.execute(text("SHOW server_version")).scalar_one()
            where = engine.url.host or "local socket"
            return f"PostgreSQL {server.split()[0]} ({where}/{engine.url.database}, schema per run)"
        finally:
            engine.dispose()

    def prepare(self, target: str, tmp: Path) -> str:
        """An empty database for one target; returns its DATABASE_URL."""
        if self.url is None:
            return f"sqlite:///{tmp / f'{target}.sqlite3'}"
        from sqlalchemy import text

        schema = f"aduan_bench_{target}_{secrets.token_hex(4)}"
        engine = self._engine()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        finally:
            engine.dispose()
        self._schemas[target] = schema
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options=-csearch_path%3D{schema}"

    def cleanup(self, target: str) -> None:
        """Drop what prepare() created (SQLite files go with the temp dir)."""
        schema = self._schemas.pop(target, None)
        if schema is None:
            return
        from sqlalchemy import text

        engine = self._engine()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            engine.dispose()


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    """A port the kernel says is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_checked(cmd: list[str], env: dict[str, str], what: str, timeout: float = 120) -> str:
    """Run a setup command from the repo root; its stdout, or BenchError with its stderr."""
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{what}: no answer after {timeout:.0f} s") from exc
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise BenchError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def gunicorn_command(app_spec: str, port: int, args: argparse.Namespace) -> list[str]:
    """The same server settings for both targets."""
    cmd = [str(BIN / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}"]
    if args.threads > 1:
        cmd += ["-k", "gthread", "--threads", str(args.threads)]
    else:
        cmd += ["-k", "sync"]
    return [*cmd, "--no-control-socket", "--pythonpath", str(BENCH), app_spec]


def server_settings(args: argparse.Namespace) -> str:
    kind = f"gthread x{args.threads} threads" if args.threads > 1 else "sync"
    return f"gunicorn {version('gunicorn')}, {args.workers} {kind} workers"


class Server:
    """A gunicorn in its own process group, so stopping it stops its workers too."""

    def __init__(self, cmd: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def log_tail(self, lines: int = 25) -> str:
        text = self.log_path.read_text(errors="replace").strip().splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self, port: int, path: str, limit: float = 40.0) -> None:
        """Until the form page answers 200 (workers booted), or BenchError."""
        deadline = time.monotonic() + limit
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with {self.proc.returncode} at start-up:\n{self.log_tail()}"
                )
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    return
                last = f"GET {path} answered {resp.status}"
            except (OSError, http.client.HTTPException) as exc:
                last = f"{type(exc).__name__}: {exc}"
            finally:
                conn.close()
            time.sleep(0.2)
        raise BenchError(f"server not ready after {limit:.0f} s ({last}):\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User+system CPU of the master and its live workers, from /proc."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(entry.name) == self.proc.pid or int(fields[1]) == self.proc.pid:
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def stop(self) -> None:
        """SIGTERM to the group (graceful), SIGKILL if it lingers."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


# --------------------------------------------------------------------------- targets


def portal_setup(env: dict[str, str], tmp: Path) -> str:
    """Migrate an empty database and sign a poster URL; returns the form path (/Q/…)."""
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    run_checked([*flask, "db", "upgrade"], env, "flask db upgrade")
    out = run_checked(
        [*flask, "qr", "make", "--agency", AGENCY, "--unit", UNIT, "--service", SERVICE,
         "-o", str(tmp / "qr.png")],
        env, "flask qr make",
    )  # fmt: skip
    for line in out.splitlines():
        if line.startswith("url:"):
            return urlsplit(line.split(":", 1)[1].strip()).path
    raise BenchError(f"flask qr make printed no 'url:' line:\n{out}")


def portal_count(env: dict[str, str]) -> int:
    """Complaints really stored, read back through the portal's own CLI."""
    out = run_checked(
        [str(BIN / "flask"), "--app", "wsgi", "complaints", "list", "--region", REGION,
         "--json", "--limit", "1000000"],
        env, "flask complaints list",
    )  # fmt: skip
    return len(json.loads(out))


def bare_setup(env: dict[str, str], tmp: Path) -> str:
    """Create the baseline's one table; returns its form path."""
    run_checked([str(PYTHON), str(BENCH / "bare_app.py"), "init-db"], env, "bare_app init-db")
    return "/r"


def bare_count(env: dict[str, str]) -> int:
    """Rows the baseline really stored."""
    return int(run_checked([str(PYTHON), str(BENCH / "bare_app.py"), "count"], env, "count"))


@dataclass(frozen=True)
class Target:
    """How to set up, recognise and count one side of the comparison."""

    name: str
    label: str
    app_spec: str
    require: tuple[str, ...]
    location: str
    setup: Callable[[dict[str, str], Path], str]
    count: Callable[[dict[str, str]], int]


TARGETS = {
    "bare": Target(
        "bare", "bare Flask (bench/bare_app.py)", "bare_app:app", ("submission_key",),
        BARE_LOCATION, bare_setup, bare_count,
    ),
    "portal": Target(
        "portal", "portal POST /q/<payload>", "wsgi:app", ("csrf_token", "submission_key"),
        PORTAL_LOCATION, portal_setup, portal_count,
    ),
}  # fmt: skip


@dataclass
class Result:
    """One target's numbers, summed over the rounds."""

    target: Target
    posts: int = 0
    measured_s: float = 0.0
    get_errors: int = 0
    post_errors: int = 0
    sent: int = 0
    stored: int | None = None
    post_ms: list[float] = field(default_factory=list)
    get_ms: list[float] = field(default_factory=list)
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    wall_s: float = 0.0
    round_rates: list[float] = field(default_factory=list)
    failure: str | None = None
    error_samples: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.get_errors + self.post_errors

    @property
    def throughput(self) -> float:
        return self.posts / self.measured_s if self.measured_s else 0.0

    @property
    def server_cpu_ms(self) -> float | None:
        attempts = self.sent + self.post_errors
        return self.server_cpu_s * 1000 / attempts if attempts else None

    @property
    def client_cpu_pct(self) -> float | None:
        return 100 * self.client_cpu_s / self.wall_s if self.wall_s else None

    @property
    def broken(self) -> bool:
        return bool(self.failure or self.errors or self.stored != self.sent)

    def add(self, load: dict[str, Any], server_cpu_s: float) -> None:
        """Fold one load slice into the totals."""
        self.posts += load["ok"]["measured"]
        self.measured_s += load["measured_s"]
        self.round_rates.append(load["ok"]["measured"] / load["measured_s"])
        self.sent += sum(load["ok"].values())
        self.get_errors += load["get_errors"]
        self.post_errors += load["post_errors"]
        self.post_ms.extend(load["post_ms"])
        self.get_ms.extend(load["get_ms"])
        self.server_cpu_s += server_cpu_s
        self.client_cpu_s += load["client_cpu_s"]
        self.wall_s += load["wall_s"]
        room = MAX_ERROR_SAMPLES - len(self.error_samples)
        self.error_samples += load["error_samples"][: max(0, room)]
        if load["stuck_threads"]:
            self.failure = f"{load['stuck_threads']} load thread(s) did not finish"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


UNREACHABLE_LIMITS = (
    "RATELIMIT_REPORT_SAME_TEXT",
    "RATELIMIT_REPORT_PER_SESSION",
    "RATELIMIT_REPORT_PER_ADDRESS",
    "RATELIMIT_REPORT_PER_SERVICE_POINT",
)


def clean_env(tmp: Path, port: int, database_url: str) -> dict[str, str]:
    """Only what the portal needs: nothing from the caller's shell can change the run."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL") if k in os.environ}
    env.update(
        APP_ENV="development",
        SECRET_KEY=secrets.token_urlsafe(36),  # 48 characters
        QR_SIGNING_KEYS="B1:" + secrets.token_urlsafe(24),  # 32 characters
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        INSTANCE_PATH=str(tmp),
        DATABASE_URL=database_url,
        UPLOAD_FOLDER=str(tmp / "uploads"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    # The limiter stays in the path (its cost is part of a submission), with limits no
    # virtual citizen reaches: a handful of them send hundreds of reports each from one
    # address and one browser. The limits themselves: bench/flood.py.
    env.update({name: "1000000 per minute" for name in UNREACHABLE_LIMITS})
    return env


class Deployment:
    """One target's temp dir, database and running gunicorn, for the length of the run."""

    def __init__(self, target: Target, db: Database, args: argparse.Namespace) -> None:
        self.target, self.db, self.args = target, db, args
        self.result = Result(target)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"aduan-bench-{target.name}-"))
        self.server: Server | None = None
        self.env: dict[str, str] = {}
        self.url = ""

    def start(self) -> None:
        """Empty database, schema, gunicorn answering the form; BenchError otherwise."""
        name = self.target.name
        port = free_port()
        try:
            database_url = self.db.prepare(name, self.tmp)
        except Exception as exc:  # the driver's own error types; any means "no database"
            raise BenchError(f"cannot prepare the database: {exc}") from exc
        self.env = clean_env(self.tmp, port, database_url)
        say(f"{name}: setting up")
        path = self.target.setup(self.env, self.tmp)
        say(f"{name}: gunicorn on 127.0.0.1:{port}")
        cmd = gunicorn_command(self.target.app_spec, port, self.args)
        self.server = Server(cmd, self.env, self.tmp / "server.log")
        self.server.wait_ready(port, path)
        self.url = f"http://127.0.0.1:{port}{path}"

    def load(self, warmup: float, seconds: float) -> None:
        """One slice of load; adds to self.result."""
        assert self.server is not None
        cpu_before = self.server.cpu_seconds()
        load = run_load(self.url, self.target, self.args.concurrency, warmup, seconds)
        self.result.add(load, self.server.cpu_seconds() - cpu_before)
        if self.server.proc.poll() is not None:
            raise BenchError(f"gunicorn died during the run:\n{self.server.log_tail()}")

    def count(self) -> None:
        self.result.stored = self.target.count(self.env)

    def close(self) -> None:
        """Stop the server, drop the database, remove the temp dir, whatever happened."""
        try:
            if self.server is not None:
                self.server.stop()
        finally:
            try:
                self.db.cleanup(self.target.name)
            finally:
                shutil.rmtree(self.tmp, ignore_errors=True)


def measure(names: list[str], db: Database, args: argparse.Namespace) -> list[Result]:
    """Start every target, then load them in alternating slices, then count what was stored.

    Alternating (bare, portal, portal, bare, …) spreads background noise on a shared
    machine over both targets instead of letting it land on one; only one target is loaded
    at a time, the idle one costs nothing.
    """
    deployments = [Deployment(TARGETS[name], db, args) for name in names]
    try:
        for d in deployments:
            try:
                d.start()
            except BenchError as exc:
                d.result.failure = str(exc)
        live = [d for d in deployments if d.result.failure is None]
        slice_s = args.seconds / args.rounds
        for n in range(args.rounds):
            warmup = args.warmup if n == 0 else min(args.warmup, LATER_WARMUP)
            for d in live if n % 2 == 0 else reversed(live):
                if d.result.failure:
                    continue
                say(
                    f"round {n + 1}/{args.rounds}: {d.target.name}, {args.concurrency} virtual "
                    f"citizens, {warmup:g} s warm-up + {slice_s:g} s measured"
                )
                try:
                    d.load(warmup, slice_s)
                except BenchError as exc:
                    d.result.failure = str(exc)
        for d in live:
            try:
                d.count()
            except BenchError as exc:
                d.result.failure = d.result.failure or str(exc)
    finally:
        for d in deployments:
            d.close()
    return [d.result for d in deployments]


def run_load(
    url: str, target: Target, concurrency: int, warmup: float, seconds: float
) -> dict[str, Any]:
    """bench/load.py in its own process; its JSON result."""
    cmd = [
        str(PYTHON), str(BENCH / "load.py"), "--url", url,
        "--concurrency", str(concurrency), "--warmup", str(warmup),
        "--seconds", str(seconds), "--location", target.location,
        *(x for name in target.require for x in ("--require", name)),
    ]  # fmt: skip
    limit = warmup + seconds + 90
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"the load process did not finish within {limit:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(f"the load process failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- reporting


def say(message: str) -> None:
    print(f"== {message}", file=sys.stderr, flush=True)


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def pair(results: list[Result]) -> tuple[Result, Result] | None:
    """(bare, portal) when both were measured."""
    by_name = {r.target.name: r for r in results if r.failure is None and r.posts}
    if "bare" in by_name and "portal" in by_name:
        return by_name["bare"], by_name["portal"]
    return None


def ratio_of(results: list[Result]) -> float | None:
    """Portal throughput over bare throughput: the number the product aim is about."""
    both = pair(results)
    return both[1].throughput / both[0].throughput if both else None


def report(results: list[Result], args: argparse.Namespace, db_label: str) -> str:
    """The Markdown table and the lines that say how to read it."""
    lines = [
        "| target | POSTs | errors | stored / 303s | complaints/s | POST p50 ms "
        "| POST p95 ms | GET p50 ms | server CPU ms per GET+POST | load CPU % |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        if r.failure and not r.sent:
            lines.append(f"| {r.target.label} | – | – | – | FAILED | – | – | – | – | – |")
            continue
        stored = "–" if r.stored is None else f"{r.stored} / {r.sent}"
        if r.stored is not None and r.stored != r.sent:
            stored += " LOST"
        errors = f"{r.errors}" + (f" ({r.get_errors} GET)" if r.get_errors else "")
        lines.append(
            f"| {r.target.label} | {r.posts} | {errors} | {stored} | {r.throughput:.1f} "
            f"| {fmt(percentile(r.post_ms, 50))} | {fmt(percentile(r.post_ms, 95))} "
            f"| {fmt(percentile(r.get_ms, 50))} | {fmt(r.server_cpu_ms)} "
            f"| {fmt(r.client_cpu_pct, 0)} |"
        )
    lines.append("")
    both = pair(results)
    if both:
        bare, portal = both
        ratio = portal.throughput / bare.throughput
        verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
        lines.append(f"**portal/bare throughput: {ratio:.2f}** (aim ≥ {GOAL_RATIO:.2f}: {verdict})")
        lines.append("")
        per_round = ", ".join(
            f"{p / b:.2f}" if b else "–"
            for b, p in zip(bare.round_rates, portal.round_rates, strict=False)
        )
        lines.append(f"- ratio per round: {per_round}")
        if bare.server_cpu_ms and portal.server_cpu_ms:
            cpu_ratio = bare.server_cpu_ms / portal.server_cpu_ms
            lines.append(
                f"- server CPU per complaint, bare/portal: {cpu_ratio:.2f} "
                "(about the throughput ratio when both are CPU-bound)"
            )
    lines += [
        f"- database: {db_label}",
        f"- server: {server_settings(args)}, 127.0.0.1, same settings for both",
        f"- load: 1 separate process per slice, {args.concurrency} virtual citizens (threads, "
        "http.client), each GET form + POST multipart; "
        f"{args.rounds} alternating rounds of {args.seconds / args.rounds:g} s measured per "
        f"target ({args.seconds:g} s each in all), warm-up {args.warmup:g} s before the first "
        f"round and {min(args.warmup, LATER_WARMUP):g} s before later ones; only POSTs "
        "completed inside the measured windows count",
        "- stored / 303s: rows read back after the run vs. every 303 received, warm-up included",
    ]
    for r in results:
        if r.failure:
            lines.append(f"- {r.target.name} FAILED: " + r.failure.splitlines()[0])
        for sample in r.error_samples:
            lines.append(f"- {r.target.name} error: {sample}")
    return "\n".join(lines) + "\n"


def record(table: str, command: str) -> None:
    """Append this run to bench/RESULTS.md (created with its header the first time)."""
    if not RESULTS.exists():
        RESULTS.write_text(RESULTS_HEADER)
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    entry = (
        f"\n## {stamp}\n\n"
        f"- machine: {machine()}\n"
        f"- Python {platform.python_version()}, Flask {version('flask')}, "
        f"Flask-SQLAlchemy {version('flask-sqlalchemy')}, SQLAlchemy {version('sqlalchemy')}\n"
        f"- code: {git_revision()}\n"
        f"- command: `{command}`\n\n"
        f"{table}"
    )
    with RESULTS.open("a") as f:
        f.write(entry)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Portal submission path vs. a bare Flask app.")
    p.add_argument("--seconds", type=float, default=15.0, help="measured window per target")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up before it, not counted")
    p.add_argument("--rounds", type=int, default=3, help="alternating slices per target")
    p.add_argument("--concurrency", type=int, default=6, help="virtual citizens")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (both targets)")
    p.add_argument("--threads", type=int, default=1, help=">1 uses gthread workers")
    p.add_argument(
        "--db",
        default=os.environ.get("BENCH_DATABASE_URL") or "sqlite",
        help="'sqlite' (default) or a postgresql:// URL; default from BENCH_DATABASE_URL",
    )
    p.add_argument("--only", choices=sorted(TARGETS), help="measure one target only")
    p.add_argument("--record", action="store_true", help="append the table to RESULTS.md")
    args = p.parse_args(argv)
    if min(args.seconds, args.concurrency, args.workers, args.rounds) <= 0 or args.warmup < 0:
        p.error("--seconds, --rounds, --concurrency and --workers must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run both targets, print and save the table; non-zero only when something broke."""
    args = parse_args(argv)
    db = Database(args.db)
    try:
        db_label = db.describe()
    except Exception as exc:  # unreachable server, bad URL, …: say so, no traceback
        say(f"cannot reach the database: {exc}")
        return 1
    names = [args.only] if args.only else ["bare", "portal"]
    results = measure(names, db, args)

    table = report(results, args, db_label)
    print()
    print(table)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "latest.md").write_text(f"# Latest benchmark ({machine()})\n\n{table}")
    if args.record:
        record(table, " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])]))
        say(f"appended to {RESULTS.relative_to(ROOT)}")
    broken = [r for r in results if r.broken]
    for r in broken:
        say(f"{r.target.name} is broken: {r.failure or 'errors or lost reports, see table'}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

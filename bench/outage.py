"""`make bench-outage`: citizens keep submitting while PostgreSQL goes away and comes back.

A private PostgreSQL server (tests/pgcluster.py: its own data folder and port, so nothing
else on the machine loses its database) serves one target at a time: the portal
(`wsgi:app`) and the bare Flask baseline (`bench/bare_app.py`), each under gunicorn with
the same settings. Virtual citizens GET the form and POST it in a loop. After a warm-up
the server is stopped (`--fault stop`, a clean shutdown) or killed (`--fault crash`,
SIGKILL, recovered from the WAL), one gunicorn worker is SIGKILLed while it is down (so it
must boot without a database), and the server is started again after `--down` seconds.

A citizen who is refused (503) waits as `Retry-After` asks (at most 2 s) and sends the same
form again (the portal shows it again filled in, with the same one-time key), so a refused
report is retried, not lost. Printed per target: reports acknowledged, refusals (503),
errors (any other answer, or none), the time from the database's return to the first
acknowledged report, whether gunicorn was still serving afterwards, and the integrity check
read from the database: every acknowledged report stored once, none stored twice, none
stored without its first event.

    .venv/bin/python bench/outage.py [--down 60] [--warmup 10] [--after 20]
                                     [--concurrency 4] [--workers 2]
                                     [--fault stop|crash] [--only portal|bare] [--record]

Never asserted: the run fails (exit 1) only when a server does not start at all.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

from benchinfo import git_revision, machine  # noqa: E402
from load import hidden_inputs, multipart  # noqa: E402
from run import (  # noqa: E402
    BIN,
    PYTHON,
    RESULTS,
    BenchError,
    Server,
    clean_env,
    free_port,
    portal_setup,
    run_checked,
)

from tests.pgcluster import private_cluster  # noqa: E402

PORTAL_DONE = re.compile(r"/lacak/([A-Z]{2,4}-[A-Z0-9]{6})\?")
BARE_DONE = re.compile(r"/selesai/(\d+)$")
MAX_RETRY_WAIT = 2.0
TIMEOUT = 35.0  # longer than gunicorn's worker timeout: a hung worker shows as an error


@dataclass
class Tally:
    """What the citizens saw; one per target, guarded by a lock (low rate, no hot path)."""

    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (title, code or id)
    refusals: int = 0
    errors: int = 0
    error_samples: dict[str, int] = field(default_factory=dict)
    first_ack_after_start: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors += 1
            self.error_samples[what] = self.error_samples.get(what, 0) + 1


class Clock:
    """When the database came back (monotonic), shared by the citizens."""

    def __init__(self) -> None:
        self.started_again: float | None = None


def request(
    port: int, method: str, path: str, cookies: dict[str, str], body=None, ctype=None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    headers = {"Accept": "text/html", "Accept-Language": "id"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if ctype:
        headers["Content-Type"] = ctype
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    for header in resp.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return resp.status, resp.headers, data


def retry_wait(headers: http.client.HTTPMessage) -> float:
    try:
        return min(MAX_RETRY_WAIT, max(0.2, float(headers.get("Retry-After") or 1)))
    except ValueError:
        return 1.0


def citizen(
    number: int,
    port: int,
    path: str,
    done: re.Pattern[str],
    tally: Tally,
    clock: Clock,
    stop: threading.Event,
) -> None:
    """One citizen: a report is sent until it is acknowledged (or the run ends)."""
    cookies: dict[str, str] = {}
    n = 0
    while not stop.is_set():
        n += 1
        title = f"Antrean pendaftaran lambat {number}-{n}"
        fields: dict[str, str] | None = None
        while not stop.is_set():
            try:
                if fields is None:
                    status, headers, body = request(port, "GET", path, cookies)
                    if status == 503:
                        with tally.lock:
                            tally.refusals += 1
                        stop.wait(retry_wait(headers))
                        continue
                    if status != 200:
                        tally.error(f"GET {status}")
                        stop.wait(0.5)
                        continue
                    fields = hidden_inputs(body.decode("utf-8", "replace"))
                    fields.update(
                        classification="complaint",
                        title=title,
                        description="Saya menunggu lebih dari tiga jam di loket pendaftaran "
                        f"tanpa kejelasan nomor antrean (uji gangguan {number}-{n}).",
                        reporter_name="Warga Uji Gangguan",
                        reporter_phone="0812 3456 7890",
                        consent="y",
                    )
                payload, ctype = multipart(fields)
                status, headers, body = request(port, "POST", path, cookies, payload, ctype)
            except (OSError, http.client.HTTPException) as exc:
                tally.error(type(exc).__name__)
                stop.wait(0.5)
                continue
            found = done.search(headers.get("Location") or "")
            if status == 303 and found:
                with tally.lock:
                    tally.acknowledged.append((title, found.group(1)))
                    if clock.started_again is not None and tally.first_ack_after_start is None:
                        tally.first_ack_after_start = time.monotonic() - clock.started_again
                break
            if status == 503:
                with tally.lock:
                    tally.refusals += 1
                again = hidden_inputs(body.decode("utf-8", "replace"))
                if again.get("submission_key") == fields.get("submission_key"):
                    fields.update(again)  # the form shown again: a fresh CSRF token, same key
                stop.wait(retry_wait(headers))
                continue
            tally.error(f"POST {status}")
            stop.wait(0.5)  # the same form again: an error is not a reason to lose the report


@dataclass
class Integrity:
    stored: int = 0
    missing: int = 0  # acknowledged, not in the database
    doubled: int = 0  # one citizen's report stored more than once
    unacknowledged: int = 0  # stored, but the citizen never got the receipt
    partial: int = 0  # a case without its first event
    note: str = ""


def check(url: str, target: str, tally: Tally) -> Integrity:
    import psycopg

    acked = {title for title, _ in tally.acknowledged}
    with psycopg.connect(url, connect_timeout=10) as conn:
        if target == "portal":
            rows = conn.execute("SELECT title, tracking_code FROM complaints").fetchall()
            partial = conn.execute(
                "SELECT count(*) FROM complaints c WHERE NOT EXISTS (SELECT 1 FROM"
                " complaint_events e WHERE e.complaint_id = c.id AND e.kind = 'submitted')"
            ).fetchone()[0]
        else:
            rows = conn.execute("SELECT title, id::text FROM bench_bare_reports").fetchall()
            partial = 0
    by_title: dict[str, int] = {}
    for title, _ in rows:
        by_title[title] = by_title.get(title, 0) + 1
    return Integrity(
        stored=len(rows),
        missing=sum(1 for title in acked if title not in by_title),
        doubled=sum(count - 1 for count in by_title.values() if count > 1),
        unacknowledged=sum(1 for title in by_title if title not in acked),
        partial=partial,
    )


def ready_status(port: int) -> str:
    try:
        status, _, _ = request(port, "GET", "/readyz", {})
        return str(status)
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


@dataclass
class Outcome:
    target: str
    tally: Tally
    integrity: Integrity
    serving_after: bool
    readyz_down: str
    readyz_after: str


def run_target(target: str, args: argparse.Namespace) -> Outcome:
    cluster = private_cluster()
    tmp = Path(tempfile.mkdtemp(prefix=f"aduan-outage-{target}-"))
    server = None
    try:
        cluster.start()
        url = cluster.url
        port = free_port()
        env = clean_env(tmp, port, url)
        if target == "portal":
            path = urlsplit(portal_setup(env, tmp)).path
            app_spec, done = "wsgi:app", PORTAL_DONE
        else:
            run_checked([str(PYTHON), str(BENCH / "bare_app.py"), "init-db"], env, "init-db")
            path, app_spec, done = "/r", "bare_app:app", BARE_DONE
        cmd = [
            str(BIN / "gunicorn"), "-w", str(args.workers), "-k", "sync",
            "-b", f"127.0.0.1:{port}", "--no-control-socket",
            "--pythonpath", str(BENCH), app_spec,
        ]  # fmt: skip
        server = Server(cmd, env, tmp / "server.log")
        server.wait_ready(port, path)
        tally, clock, stop = Tally(), Clock(), threading.Event()
        threads = [
            threading.Thread(
                target=citizen, args=(i, port, path, done, tally, clock, stop), daemon=True
            )
            for i in range(args.concurrency)
        ]
        for thread in threads:
            thread.start()
        say(f"{target}: {args.warmup:.0f} s of load, then the database goes away")
        time.sleep(args.warmup)
        (cluster.crash if args.fault == "crash" else cluster.stop)()
        time.sleep(min(3.0, args.down / 3))
        for pid in worker_pids(server.proc.pid)[:1]:  # a worker restarts with no database
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(max(0.0, args.down - min(3.0, args.down / 3) - 2))
        readyz_down = ready_status(port) if target == "portal" else "-"
        time.sleep(2)
        say(f"{target}: database back after {args.down:.0f} s")
        cluster.start()
        clock.started_again = time.monotonic()
        time.sleep(args.after)
        stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT + 5)
        serving = server.proc.poll() is None
        readyz_after = ready_status(port) if target == "portal" else "-"
        integrity = check(url, target, tally)
        if not serving:
            integrity.note = "gunicorn exited: " + server.log_tail(3).replace("\n", " | ")
        return Outcome(target, tally, integrity, serving, readyz_down, readyz_after)
    finally:
        if server is not None:
            server.stop()
        cluster.destroy()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def say(message: str) -> None:
    print(f"[outage] {message}", file=sys.stderr, flush=True)


def table(outcomes: list[Outcome], args: argparse.Namespace) -> str:
    head = (
        "| target | acknowledged | refused (503) | errors | first report after the database"
        " returned | host serving after | /readyz down → after | stored | missing | doubled"
        " | stored, not acknowledged | partial |\n"
        "|---|--:|--:|--:|--:|---|---|--:|--:|--:|--:|--:|\n"
    )
    lines = []
    for o in outcomes:
        label = "portal (wsgi:app)" if o.target == "portal" else "bare Flask (bench/bare_app.py)"
        first = o.tally.first_ack_after_start
        i = o.integrity
        lines.append(
            f"| {label} | {len(o.tally.acknowledged)} | {o.tally.refusals} | {o.tally.errors} "
            f"| {'never' if first is None else f'{first:.1f} s'} "
            f"| {'yes' if o.serving_after else 'NO'} | {o.readyz_down} → {o.readyz_after} "
            f"| {i.stored} | {i.missing} | {i.doubled} | {i.unacknowledged} | {i.partial} |"
        )
    notes = []
    for o in outcomes:
        if o.tally.error_samples:
            samples = ", ".join(f"{k} ×{v}" for k, v in sorted(o.tally.error_samples.items()))
            notes.append(f"- {o.target} errors: {samples}")
        if o.integrity.note:
            notes.append(f"- {o.target}: {o.integrity.note}")
    settings = (
        f"PostgreSQL {args.fault} for {args.down:.0f} s after {args.warmup:.0f} s of load, "
        f"{args.after:.0f} s after its return; {args.concurrency} citizens; gunicorn "
        f"{version('gunicorn')}, {args.workers} sync workers, one SIGKILLed during the outage"
    )
    return head + "\n".join(lines) + "\n\n" + settings + "\n" + "\n".join(notes) + "\n"


def record(text: str, command: str) -> None:
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    entry = (
        f"\n## Outage: PostgreSQL goes away under load, {stamp}\n\n"
        f"- machine: {machine()}\n- Python {platform.python_version()}\n"
        f"- code: {git_revision()}\n- command: `{command}`\n\n{text}"
    )
    with RESULTS.open("a") as f:
        f.write(entry)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--down", type=float, default=60.0, help="seconds without the database")
    p.add_argument("--warmup", type=float, default=10.0)
    p.add_argument("--after", type=float, default=20.0, help="seconds of load after its return")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--fault", choices=("stop", "crash"), default="stop")
    p.add_argument("--only", choices=("portal", "bare"))
    p.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    targets = [args.only] if args.only else ["bare", "portal"]
    outcomes = []
    try:
        for target in targets:
            outcomes.append(run_target(target, args))
    except BenchError as exc:
        print(f"outage benchmark broken: {exc}", file=sys.stderr)
        return 1
    text = table(outcomes, args)
    print(text)
    if args.record:
        record(text, "bench/outage.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

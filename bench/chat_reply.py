"""How long a WhatsApp citizen waits for the portal's answer, next to a bare webhook.

Each citizen (its own number) sends a service point's short code as a signed Cloud API
webhook. Measured: the webhook's own answer time (what Meta waits for) and the time until
the answer reaches the Cloud API stand-in (tests/chat_peers.py, a real HTTP server in this
process), which is what the citizen waits for. The portal runs under gunicorn with the
real `outbox work` worker (the answer is an outbox row, so its wait includes the worker's
poll); the bare baseline (bench/bare_chat.py) answers inside the webhook request, with no
database at all. Figures are reported, never asserted.

    .venv/bin/python bench/chat_reply.py [--citizens 100] [--concurrency 4] [--poll 1 --poll 5]
                                         [--db postgresql://…] [--record]
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from benchinfo import git_revision, machine

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
RESULTS = BENCH / "RESULTS.md"
WAIT = 30.0  # seconds a citizen waits before the answer counts as lost

from tests import chat_peers  # noqa: E402


@dataclass
class Result:
    target: str
    webhook: list[float] = field(default_factory=list)
    reply: list[float] = field(default_factory=list)
    lost: int = 0
    refused: int = 0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(tmp: Path, cloud: chat_peers.CloudApi, db_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "SMS_"))}
    env.update(
        APP_ENV="development",
        SECRET_KEY="bench-secret-key-that-is-long-enough-000",
        INSTANCE_PATH=str(tmp),
        DATABASE_URL=db_url or f"sqlite:///{tmp / 'chat.sqlite3'}",
        WHATSAPP_API_URL=cloud.url,
        WHATSAPP_TOKEN=chat_peers.TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=chat_peers.PHONE_NUMBER_ID,
        WHATSAPP_APP_SECRET=chat_peers.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=chat_peers.VERIFY_TOKEN,
        PYTHONPATH=str(ROOT),
    )
    return env


def drop_everything(db_url: str) -> None:
    from tests.conftest import _drop_everything

    _drop_everything(db_url)


def short_code() -> str:
    """A service point of a region with WhatsApp on (Kalimantan Selatan's RSUD Ulin)."""
    from qr.shortcode import format_code, short_code

    return format_code(short_code("rsud-ulin", "poli-umum", "pendaftaran"))


def post(port: int, path: str, body: bytes) -> tuple[int, float]:
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": chat_peers.sign(body)}
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
    finally:
        conn.close()
    return resp.status, time.perf_counter() - started


def wait_http(port: int, path: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer on {path}")


def citizens(
    result: Result, cloud: chat_peers.CloudApi, port: int, path: str, n: int, conc: int, base: int
) -> None:
    code = short_code()
    lock = threading.Lock()
    numbers = iter(range(n))

    def one() -> None:
        while True:
            with lock:
                i = next(numbers, None)
            if i is None:
                return
            number = f"62812{base + i:07d}"
            body = chat_peers.webhook_body([chat_peers.inbound_message(number, text=code)])
            started = time.perf_counter()
            status, took = post(port, path, body)
            if status != 200:
                with lock:
                    result.refused += 1
                continue
            while time.perf_counter() - started < WAIT:
                if cloud.to(number):
                    with lock:
                        result.webhook.append(took)
                        result.reply.append(time.perf_counter() - started)
                    break
                time.sleep(0.005)
            else:
                with lock:
                    result.lost += 1

    threads = [threading.Thread(target=one) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def warm(cloud, port: int, path: str, args, base: int) -> None:
    """A few citizens first, not counted: every gunicorn worker has loaded what it loads
    on its first request (the routing file, the database connection) before the clock runs."""
    citizens(Result("warm-up"), cloud, port, path, args.warmup, args.concurrency, base + 90_000)


def run_portal(args, cloud, poll: float, base: int) -> Result:
    tmp = Path(tempfile.mkdtemp(prefix="aduan-chat-bench-"))
    if args.db:
        drop_everything(args.db)
    env = env_for(tmp, cloud, args.db)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    log = tmp / "web.log"
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(args.workers), "-k", "sync",
         "-b", f"127.0.0.1:{port}", "--no-control-socket", "wsgi:app"],
        env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        [*flask, "outbox", "work", "--poll", str(poll)],
        env=env, cwd=ROOT, stdout=(tmp / "worker.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_http(port, "/healthz", web, log)
        warm(cloud, port, "/webhook/whatsapp", args, base)
        result = Result(f"portal, worker --poll {poll:g}")
        citizens(result, cloud, port, "/webhook/whatsapp", args.citizens, args.concurrency, base)
        return result
    finally:
        for proc in (worker, web):
            proc.send_signal(signal.SIGTERM)
        for proc in (worker, web):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def run_bare(args, cloud, base: int) -> Result:
    tmp = Path(tempfile.mkdtemp(prefix="aduan-chat-bare-"))
    env = env_for(tmp, cloud, None)
    port = free_port()
    log = tmp / "bare.log"
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(args.workers), "-k", "sync",
         "-b", f"127.0.0.1:{port}", "--no-control-socket", "--pythonpath", str(BENCH),
         "bare_chat:app"],
        env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_http(port, "/ok", web, log)
        warm(cloud, port, "/webhook", args, base)
        result = Result("bare Flask (answers inside the request)")
        citizens(result, cloud, port, "/webhook", args.citizens, args.concurrency, base)
        return result
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=20)


def ms(values: list[float], q: float) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q * (len(ordered) - 1)))
    return f"{ordered[index] * 1000:.0f}"


def table(results: list[Result], args) -> str:
    lines = [
        f"chat_reply: {args.citizens} citizens, {args.concurrency} at a time, gunicorn "
        f"{version('gunicorn')} with {args.workers} sync workers, "
        f"{'PostgreSQL' if args.db else 'SQLite'}; {machine()}; {git_revision()}",
        "",
        "| target | answered | lost | refused | webhook p50 ms | webhook p95 ms "
        "| answer reached the API p50 ms | p95 ms | max ms | mean ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        mean = f"{statistics.fmean(r.reply) * 1000:.0f}" if r.reply else "–"
        lines.append(
            f"| {r.target} | {len(r.reply)} | {r.lost} | {r.refused} | {ms(r.webhook, 0.5)} "
            f"| {ms(r.webhook, 0.95)} | {ms(r.reply, 0.5)} | {ms(r.reply, 0.95)} "
            f"| {ms(r.reply, 1.0)} | {mean} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--citizens", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=8, help="citizens sent first, not counted")
    parser.add_argument("--poll", type=float, action="append")
    parser.add_argument("--db", help="a scratch PostgreSQL database (its tables are dropped)")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args(argv)
    polls = args.poll or [1.0, 5.0]
    cloud = chat_peers.CloudApi().start()
    try:
        results = [run_bare(args, cloud, 0)]
        for n, poll in enumerate(polls, start=1):
            results.append(run_portal(args, cloud, poll, n * 100_000))
    finally:
        cloud.stop()
    text = table(results, args)
    print(text)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(f"\n## {time.strftime('%Y-%m-%d')} `make bench-chat`\n\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`make bench-slow-clients`: do slow phone uploads block other citizens?

A citizen on a mobile link sends a report with a 2-3 MB photo at 30-60 KB/s: about a
minute of upload. While K such uploads trickle in (raw sockets, a valid multipart body with
Content-Length, sent at --kbps), F fast clients load the report form as often as they can;
their latency (p50/p95), throughput and failures (no answer within --timeout) are measured,
for each way of serving it:

- sync:        gunicorn's sync workers straight (one request per worker, body read lazily);
- nginx+sync:  deploy/nginx/aduan.conf (buffering on) in front of the same sync workers;
- gthread:     gunicorn's gthread workers straight (threads per worker);
- nginx+gthread, for completeness.

The portal (deploy/gunicorn.conf.py, its /q/<payload> form) and the bare stack
(bench/bare_app.py, GET /r) are measured under the same setups; K=0 is the no-upload
baseline. nginx is Debian's, started by this script from the production site rendered into
a temp prefix (bench/nginx_site.py), with TLS like production; the straight setups are
plain http, which only flatters them.

    .venv/bin/python bench/slow_clients.py [--slow 0 --slow 8] [--seconds 10] [--kbps 45]
        [--workers 5] [--gthread 2x8] [--fast 4] [--only portal|bare] [--record]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from benchinfo import git_revision, machine
from nginx_site import Nginx, Places, self_signed
from run import (
    BENCH,
    BIN,
    PYTHON,
    ROOT,
    BenchError,
    Server,
    bare_setup,
    clean_env,
    free_port,
    percentile,
    portal_setup,
)

RESULTS = BENCH / "RESULTS.md"
CONF = ROOT / "deploy" / "gunicorn.conf.py"
NO_VERIFY = ssl._create_unverified_context()  # noqa: S323 - the bench's own self-signed cert
NO_VERIFY.set_alpn_protocols(["http/1.1"])


@dataclass(frozen=True)
class Setup:
    name: str
    nginx: bool
    worker_class: str  # sync | gthread


SETUPS = (
    Setup("sync", False, "sync"),
    Setup("nginx+sync", True, "sync"),
    Setup("gthread", False, "gthread"),
    Setup("nginx+gthread", True, "gthread"),
)


@dataclass
class Row:
    target: str
    setup: str
    slots: str
    slow: int
    ok: int
    failed: int
    seconds: float
    p50: float | None
    p95: float | None
    slow_sent_kb: float

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds


# --------------------------------------------------------------------------- clients


def connect(port: int, tls: bool, timeout: float) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        sock = NO_VERIFY.wrap_socket(sock, server_hostname="localhost")
    return sock


def multipart(photo_bytes: int) -> tuple[str, bytes]:
    """A report form with one photo of random bytes (never decoded: it never completes)."""
    boundary = "----aduan" + secrets.token_hex(8)
    parts = []
    for name, value in (("title", "Jalan rusak"), ("description", "Lubang besar " * 20)):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    head = "".join(parts) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
        'filename="IMG_0001.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    )
    body = head.encode() + os.urandom(photo_bytes) + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


class SlowUpload(threading.Thread):
    """One phone: headers, then the body at `kbps` KB/s in 0.1 s steps, until told to stop."""

    def __init__(self, port: int, tls: bool, path: str, kbps: float, photo: int) -> None:
        super().__init__(daemon=True)
        self.port, self.tls, self.path, self.kbps, self.photo = port, tls, path, kbps, photo
        self.stop = threading.Event()
        self.sent = 0

    def run(self) -> None:
        ctype, body = multipart(self.photo)
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\nUser-Agent: slow-phone\r\n\r\n"
        ).encode()
        step = int(self.kbps * 1024 / 10)
        try:
            sock = connect(self.port, self.tls, timeout=30)
            sock.sendall(head)
            while self.sent < len(body) and not self.stop.is_set():
                sock.sendall(body[self.sent : self.sent + step])
                self.sent += step
                self.stop.wait(0.1)
            sock.close()
        except OSError:
            pass  # a server that drops a slow upload is part of what is measured


def fast_client(port: int, tls: bool, path: str, until: float, timeout: float, out: list) -> None:
    """GET the form, one connection per request (a new visitor each time), until `until`."""
    while time.monotonic() < until:
        start = time.monotonic()
        try:
            if tls:
                conn = http.client.HTTPSConnection(
                    "127.0.0.1", port, timeout=timeout, context=NO_VERIFY
                )
            else:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", path, headers={"Host": "localhost"})
            resp = conn.getresponse()
            resp.read()
            conn.close()
            out.append(time.monotonic() - start if resp.status == 200 else None)
        except (OSError, http.client.HTTPException):
            out.append(None)


# --------------------------------------------------------------------------- servers


def gunicorn_command(app_spec: str, port: int, setup: Setup, args: argparse.Namespace) -> list:
    """deploy/gunicorn.conf.py with the worker model under test on the command line."""
    cmd = [str(BIN / "gunicorn"), "-c", str(CONF), "-b", f"127.0.0.1:{port}"]
    if setup.worker_class == "gthread":
        workers, threads = args.gthread.split("x")
        cmd += ["-k", "gthread", "-w", workers, "--threads", threads]
    else:
        cmd += ["-k", "sync", "-w", str(args.workers)]
    return [*cmd, "--no-control-socket", "--pythonpath", str(BENCH), app_spec]


def slots(setup: Setup, args: argparse.Namespace) -> str:
    if setup.worker_class == "gthread":
        workers, threads = args.gthread.split("x")
        return f"{workers}w x {threads}t"
    return f"{args.workers}w"


def measure(target: str, setup: Setup, slow: int, args: argparse.Namespace, tmp: Path) -> Row:
    port = free_port()
    env = clean_env(tmp, port, f"sqlite:///{tmp / 'bench.sqlite3'}")
    env["GUNICORN_ACCESS_LOG"] = ""  # the same for every setup; nginx logs to its prefix
    if target == "portal":
        path, app_spec = portal_setup(env, tmp), "wsgi:app"
    else:
        path, app_spec = bare_setup(env, tmp), "bare_app:app"
    server = Server(gunicorn_command(app_spec, port, setup, args), env, tmp / "gunicorn.log")
    proxy = None
    try:
        server.wait_ready(port, path)
        front, tls = port, False
        if setup.nginx:
            prefix = tmp / "nginx"
            prefix.mkdir(exist_ok=True)
            cert, key = self_signed(prefix)
            places = Places(prefix, free_port(), free_port(), port, cert, key)
            proxy = Nginx(places)
            proxy.wait_listening()
            front, tls = places.https_port, True
        uploads = [
            SlowUpload(front, tls, path, args.kbps, args.photo_kb * 1024) for _ in range(slow)
        ]
        for upload in uploads:
            upload.start()
        time.sleep(args.ramp if slow else 0.5)
        samples: list[float | None] = []
        until = time.monotonic() + args.seconds
        start = time.monotonic()
        clients = [
            threading.Thread(
                target=fast_client, args=(front, tls, path, until, args.timeout, samples)
            )
            for _ in range(args.fast)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - start
        sent = sum(u.sent for u in uploads) / 1024
        for upload in uploads:
            upload.stop.set()
        for upload in uploads:
            upload.join(timeout=5)
        times = [s * 1000 for s in samples if s is not None]
        return Row(
            target, setup.name, slots(setup, args), slow, len(times),
            sum(1 for s in samples if s is None), elapsed,
            percentile(times, 50), percentile(times, 95), sent,
        )  # fmt: skip
    finally:
        if proxy:
            proxy.stop()
        server.stop()


# --------------------------------------------------------------------------- report


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def table(rows: list[Row], args: argparse.Namespace) -> str:
    lines = [
        "| target | setup | slots | slow uploads | form loads/s | p50 ms | p95 ms | "
        f"failed (no answer in {args.timeout:.0f} s) |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.target} | {r.setup} | {r.slots} | {r.slow} | {r.per_second:.1f} | "
            f"{fmt(r.p50)} | {fmt(r.p95)} | {r.failed} |"
        )
    return "\n".join(lines)


def describe(args: argparse.Namespace) -> str:
    return (
        f"{args.fast} fast clients load the report form (a new connection each) for "
        f"{args.seconds:.0f} s while each slow upload sends a report with a "
        f"{args.photo_kb} KB photo at {args.kbps:.0f} KB/s (started {args.ramp:.0f} s "
        f"before); gunicorn {version('gunicorn')} with deploy/gunicorn.conf.py, "
        f"nginx from deploy/nginx/aduan.conf (TLS), SQLite; {machine()}; "
        f"{git_revision()}; {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}."
    )


def record(text: str, command: str) -> None:
    with RESULTS.open("a") as results:
        results.write(
            f"\n## {datetime.now(UTC):%Y-%m-%d} — slow uploads and the report form "
            f"(`{command}`, bench/slow_clients.py, issue 19)\n\n{text}\n"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, action="append", help="slow uploads (repeatable)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--ramp", type=float, default=2.0, help="s of uploads before timing")
    parser.add_argument("--kbps", type=float, default=45.0)
    parser.add_argument("--photo-kb", type=int, default=2500)
    parser.add_argument("--workers", type=int, default=5, help="sync workers (conf default)")
    parser.add_argument("--gthread", default="2x8", help="gthread WORKERSxTHREADS")
    parser.add_argument("--fast", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--only", choices=("portal", "bare"))
    parser.add_argument("--setup", action="append", choices=[s.name for s in SETUPS])
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args(argv)
    args.slow = args.slow or [0, 8]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        print("nginx is not installed (apt-get install nginx)", file=sys.stderr)
        return 2
    if not PYTHON.exists():
        print("run `make install` first", file=sys.stderr)
        return 2
    setups = [s for s in SETUPS if not args.setup or s.name in args.setup]
    targets = [args.only] if args.only else ["bare", "portal"]
    rows: list[Row] = []
    try:
        for target in targets:
            for setup in setups:
                for slow in args.slow:
                    with tempfile.TemporaryDirectory(prefix="aduan-slow-") as tmp:
                        row = measure(target, setup, slow, args, Path(tmp))
                    rows.append(row)
                    print(
                        f"{target:6} {setup.name:14} slow={slow:2}: {row.per_second:6.1f}/s "
                        f"p50 {fmt(row.p50)} ms p95 {fmt(row.p95)} ms failed {row.failed}",
                        flush=True,
                    )
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    text = table(rows, args) + "\n\n" + describe(args)
    print("\n" + text)
    if args.record:
        record(text, "make bench-slow-clients")
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

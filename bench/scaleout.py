"""`make bench-scaleout`: the portal on three app hosts behind HAProxy, on one machine.

What it builds (all torn down on exit, Ctrl-C included):

- three app hosts: one gunicorn each (the repo's gunicorn config, `GUNICORN_CONF` below),
  on its own loopback address (127.0.0.11:…, .12, .13), each with its own INSTANCE_PATH
  and photo folder (no shared disk), the same SECRET_KEY and QR_SIGNING_KEYS,
  APP_ENV=production, PUBLIC_BASE_URL=https://aduan.bench.example (the balancer's name),
  TRUSTED_PROXIES=1;
- HAProxy (Debian's /usr/sbin/haproxy) on 127.0.0.10 with a generated config: health check
  `GET /readyz`, `option redispatch`, `retry-on conn-failure empty-response
  response-timeout` (safe for the report POST: a replay with the same form key returns the
  first report), X-Forwarded-For and X-Forwarded-Proto: https set by the balancer; one
  frontend per host count (1, 2, 3 hosts), so switching is a port, not a reload;
- photos in one S3 bucket served by `moto_server` (UPLOAD_STORAGE=s3; `--storage local`
  gives each host its own folder instead, and the photo check shows what that breaks);
- one PostgreSQL database (created and dropped per run), Redis db 12 for the rate limits
  (raised through their RATELIMIT_* variables, not disabled, so Redis is in every report);
- two outbox workers (`flask --app wsgi outbox work`), each writing its mail to its own
  folder; at the end every outbox row must be `sent` and every message delivered once;
- the bare stack for comparison: bench/bare_app.py (Flask + SQLAlchemy, one INSERT per
  POST) on the same three addresses, behind the same HAProxy, loaded the same way.

The load: threads, one keep-nothing HTTP connection per request (http.client), each a
citizen's journey through the balancer: GET the form from a signed QR link, POST it with a
small JPEG, GET the private link page it is sent to. A failed POST (connection error, 5xx)
is sent again with the same form key. Then: one host SIGKILLed mid-run (time until HAProxy
marks it down, client errors, every acknowledged report stored exactly once), and a routing
activation polled on every host directly until each serves the new version (the
service's new name on its form page, and the aduan_routing_loaded_version gauge on
/metrics when the app has it).

    .venv/bin/python bench/scaleout.py [--seconds 15] [--concurrency 6] [--workers 1]
                                       [--storage local|s3] [--record]
                                       [--db postgresql://root@localhost]

Figures are reported, never asserted: the run fails (exit 1) only when something does not
start.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import http.client
import io
import os
import platform
import re
import secrets
import shutil
import signal
import socket
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
from load import hidden_inputs  # noqa: E402

BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
RESULTS = BENCH / "RESULTS.md"
# The repo's gunicorn settings: deploy/ once the deploy kit lands, the top level before.
GUNICORN_CONF = next(
    (p for p in (ROOT / "deploy" / "gunicorn.conf.py", ROOT / "gunicorn.conf.py") if p.exists()),
    ROOT / "gunicorn.conf.py",
)
HAPROXY = Path("/usr/sbin/haproxy")
BALANCER_IP = "127.0.0.10"
HOST_IPS = ("127.0.0.11", "127.0.0.12", "127.0.0.13")
PUBLIC_NAME = "aduan.bench.example"
REDIS_URL = "redis://127.0.0.1:6379/12"
AGENCY, UNIT, SERVICE = "rsud-ulin", "poli-umum", "pendaftaran"
SERVICE_NAME = "Pendaftaran Pasien"
PORTAL_DONE = re.compile(r"/lacak/([A-Z]{2,4}-[A-Z0-9]{6})\?")
BARE_DONE = re.compile(r"/selesai/(\d+)$")
PHOTO_LINK = re.compile(r"/lacak/[A-Z]{2,4}-[A-Z0-9]{6}/foto/\d+\?t=[^\"' <>]+")
# httplog: ... status bytes - - TERM actconn/feconn/beconn/srv_conn/retries ...
HAPROXY_5XX = re.compile(r" (5\d\d) \d+ \S+ \S+ (\S{4}) \d+/\d+/\d+/\d+/\+?(\d+) ")
PHOTO_SAMPLE = 20  # per load row
METRICS_TOKEN = secrets.token_urlsafe(24)
# The routing version this process routes by, on /metrics (portal/observability/metrics.py);
# aduan_routing_active_version is the database's newest, the same on every host at once.
ROUTING_GAUGE = re.compile(r"^aduan_routing_loaded_version(?:\{[^}]*\})?\s+([0-9.e+]+)\s*$", re.M)
TIMEOUT = 40.0
# Photos in one bucket (moto_server) once the app has its S3 store; a folder per host before.
DEFAULT_STORAGE = "s3" if (ROOT / "portal" / "photo_store" / "s3.py").exists() else "local"
RATE_LIMITS = (  # raised, not disabled: every report still counts in Redis
    "RATELIMIT_REPORT_SAME_TEXT",
    "RATELIMIT_REPORT_PER_SESSION",
    "RATELIMIT_REPORT_PER_ADDRESS",
    "RATELIMIT_REPORT_PER_SERVICE_POINT",
    "RATELIMIT_LOOKUP_PER_ADDRESS",
)


class BenchError(RuntimeError):
    """Something did not start; the run cannot measure."""


def say(message: str) -> None:
    print(f"[scaleout] {message}", file=sys.stderr, flush=True)


def free_port(ip: str) -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def small_jpeg() -> bytes:
    """A 320x240 photo with some texture (a few KB), so the photo path really runs."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (200, 210, 220))
    draw = ImageDraw.Draw(image)
    for i in range(0, 320, 8):
        draw.line([(i, 0), (320 - i, 240)], fill=(i % 255, 80, 160), width=2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def multipart(fields: dict[str, str], photo: bytes | None) -> tuple[bytes, str]:
    boundary = f"----AduanScale{secrets.token_hex(8)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    if photo is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
            f'filename="foto.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + photo
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --------------------------------------------------------------------------- processes


class Proc:
    """A child in its own process group (gunicorn master + workers die together)."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)

    def stop(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        else:  # the master is gone; reap any orphaned worker of its group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


def group_cpu_seconds(pgids: set[int]) -> float:
    """User+system CPU of every live process in these process groups, from /proc."""
    return _cpu(lambda pid, f: int(f[2]) in pgids)


def named_cpu_seconds(comm: str) -> float:
    return _cpu(lambda pid, f: f[-1] == comm, with_comm=True)


def _cpu(match, with_comm: bool = False) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if with_comm:
            fields = [*fields, comm]
        if match(int(entry.name), fields):
            # utime+stime, plus cutime+cstime: the children it reaped (a gunicorn master's
            # killed workers, the postmaster's ended backends) still count.
            total += sum(int(v) for v in fields[11:15]) / tick
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def run_checked(cmd: list[str], env: dict[str, str], what: str, timeout: float = 180) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise BenchError(
            f"{what} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-2000:]}"
        )
    return done.stdout


def call(
    addr: tuple[str, int], method: str, path: str, cookies: dict[str, str] | None = None,
    body: bytes | None = None, ctype: str | None = None, headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:  # fmt: skip
    sent = {"Accept": "text/html", "Accept-Language": "id", "Host": PUBLIC_NAME}
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if ctype:
        sent["Content-Type"] = ctype
    sent.update(headers or {})
    conn = http.client.HTTPConnection(*addr, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=sent)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    if cookies is not None:
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
    return resp.status, resp.headers, data


def wait_http(addr: tuple[str, int], path: str, proc: Proc, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    last = "no answer"
    while time.monotonic() < deadline:
        if not proc.alive():
            raise BenchError(f"{proc.name} exited at start-up:\n{proc.tail()}")
        try:
            status, _, _ = call(addr, "GET", path)
            if status == 200:
                return
            last = f"{status}"
        except (OSError, http.client.HTTPException) as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise BenchError(f"{proc.name} not ready after {limit:.0f} s ({last}):\n{proc.tail()}")


# --------------------------------------------------------------------------- the stack


def haproxy_config(tmp: Path, backends: dict[str, tuple[int, str, list[tuple[str, int]]]]) -> str:
    """One frontend+backend per name: (frontend port, health-check path, servers)."""
    out = [
        "global",
        f"  stats socket {tmp / 'haproxy.sock'} mode 600 level admin",
        "  maxconn 4096",
        "  log stdout format raw local0 info",
        "defaults",
        "  mode http",
        "  log global",
        "  option httplog",
        "  timeout connect 2s",
        "  timeout client 60s",
        # Longer than gunicorn's worker timeout (30 s): a hung worker is killed by its
        # master first, which shows here as an empty response, retried elsewhere.
        "  timeout server 35s",
        "  timeout queue 30s",
        "  timeout http-request 10s",
        "  option http-server-close",
        # The whole request is read before a server is chosen: a slow phone ties up no
        # sync worker, and a POST can be replayed elsewhere when its server dies.
        "  option http-buffer-request",
        "  option forwardfor",
        "  retries 3",
        "  option redispatch 1",
        "  retry-on conn-failure empty-response response-timeout",
        # A check waits in the same listen queue as the citizens (sync workers), so its
        # timeout is generous: a busy host is not a dead one. A killed host refuses the
        # connection at once, so it is still marked down within about two intervals.
        "  timeout check 5s",
        "  default-server inter 500ms fall 2 rise 2",
    ]
    for name, (port, check, servers) in backends.items():
        out += [
            f"frontend fe_{name}",
            f"  bind {BALANCER_IP}:{port}",
            "  http-request set-header X-Forwarded-Proto https",
            f"  default_backend be_{name}",
            f"backend be_{name}",
            "  balance leastconn",
            "  option httpchk",
            f"  http-check send meth GET uri {check} ver HTTP/1.1 hdr Host {PUBLIC_NAME}",
            "  http-check expect status 200",
        ]
        out += [f"  server h{i + 1} {ip}:{p} check" for i, (ip, p) in enumerate(servers)]
    return "\n".join(out) + "\n"


def haproxy_states(sock: Path) -> dict[tuple[str, str], str]:
    """(backend, server) -> UP/DOWN/… from the stats socket."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(2)
        s.connect(str(sock))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    states = {}
    for line in data.decode().splitlines():
        if line.startswith("#") or not line:
            continue
        cols = line.split(",")
        states[(cols[0], cols[1])] = cols[17]
    return states


@dataclass
class Host:
    number: int
    ip: str
    port: int
    env: dict[str, str]
    proc: Proc | None = None

    @property
    def addr(self) -> tuple[str, int]:
        return (self.ip, self.port)


class Stack:
    """Everything the run starts, so one `close()` tears it all down."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="aduan-scaleout-"))
        self.procs: list[Proc] = []
        self.db_name = f"aduan_scaleout_{os.getpid()}"
        self.db_url = f"{args.db.rstrip('/')}/{self.db_name}"
        self.hosts: list[Host] = []
        self.bare_hosts: list[Host] = []
        self.mail_dirs: list[Path] = []
        self.form_path = ""
        self.frontends: dict[str, int] = {}
        self.secret = secrets.token_urlsafe(36)
        self.qr_keys = "S1:" + secrets.token_urlsafe(24)
        self.storage_env: dict[str, str] = {"UPLOAD_STORAGE": "local"}

    # ---- setup
    def base_env(self, instance: Path) -> dict[str, str]:
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL") if k in os.environ}
        instance.mkdir(parents=True, exist_ok=True)
        env.update(
            APP_ENV="production",
            SECRET_KEY=self.secret,
            QR_SIGNING_KEYS=self.qr_keys,
            PUBLIC_BASE_URL=f"https://{PUBLIC_NAME}",
            TRUSTED_PROXIES="1",
            INSTANCE_PATH=str(instance),
            DATABASE_URL=self.db_url,
            UPLOAD_FOLDER=str(instance / "uploads"),
            MAIL_FILE_DIR=str(instance / "mail"),
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=f"aduan_scaleout_{os.getpid()}",
            ROUTING_RELOAD_SECONDS=str(self.args.reload_seconds),
            PYTHONDONTWRITEBYTECODE="1",
            WEB_CONCURRENCY=str(self.args.workers),
            GUNICORN_ACCESS_LOG="",
            METRICS_TOKEN=METRICS_TOKEN,
        )
        env.update({name: "1000000 per minute" for name in RATE_LIMITS})
        env.update(self.storage_env)
        return env

    def start(self) -> None:
        for ip in (BALANCER_IP, *HOST_IPS):  # loopback aliases: Linux answers all of 127/8
            with socket.socket() as s:
                try:
                    s.bind((ip, 0))
                except OSError as exc:
                    raise BenchError(f"cannot bind {ip}: {exc}") from exc
        if self.args.storage == "s3":
            self.start_s3()
        admin = self.args.db.rstrip("/") + "/postgres"
        self._psql(admin, f'DROP DATABASE IF EXISTS "{self.db_name}"')
        self._psql(admin, f'CREATE DATABASE "{self.db_name}"')
        setup_env = self.base_env(self.tmp / "setup")
        say(f"database {self.db_name}: migrating")
        flask = [str(BIN / "flask"), "--app", "wsgi"]
        run_checked([*flask, "db", "upgrade"], setup_env, "flask db upgrade")
        out = run_checked(
            [*flask, "qr", "make", "--agency", AGENCY, "--unit", UNIT, "--service", SERVICE,
             "-o", str(self.tmp / "qr.png")],
            setup_env, "flask qr make",
        )  # fmt: skip
        url = next(
            (ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("url:")), ""
        )
        if not url:
            raise BenchError(f"flask qr make printed no url:\n{out}")
        self.form_path = urlsplit(url).path
        run_checked([str(PYTHON), str(BENCH / "bare_app.py"), "init-db"], setup_env, "bare init-db")
        self.empty_db_bytes = self.query("SELECT pg_database_size(current_database())")[0][0]
        for i, ip in enumerate(HOST_IPS):
            env = self.base_env(self.tmp / f"host{i + 1}")
            self.hosts.append(Host(i + 1, ip, free_port(ip), env))
            self.bare_hosts.append(Host(i + 1, ip, free_port(ip), env))
        for host in self.hosts:
            self.start_host(host)
        for host in self.bare_hosts:
            cmd = [
                str(BIN / "gunicorn"), "-w", str(self.args.workers), "-k", "sync",
                "-b", f"{host.ip}:{host.port}", "--no-control-socket",
                "--pythonpath", str(BENCH), "bare_app:app",
            ]  # fmt: skip
            host.proc = self.spawn(f"bare{host.number}", cmd, host.env)
        for host in self.hosts:
            wait_http(host.addr, self.form_path, host.proc)
        for host in self.bare_hosts:
            wait_http(host.addr, "/r", host.proc)
        backends = {}
        for n in (1, 2, 3):
            for kind, hosts, check in (
                ("portal", self.hosts, "/readyz"),
                ("bare", self.bare_hosts, "/r"),
            ):
                port = free_port(BALANCER_IP)
                backends[f"{kind}{n}"] = (port, check, [h.addr for h in hosts[:n]])
                self.frontends[f"{kind}{n}"] = port
        conf = self.tmp / "haproxy.cfg"
        conf.write_text(haproxy_config(self.tmp, backends))
        run_checked([str(HAPROXY), "-c", "-q", "-f", str(conf)], dict(os.environ), "haproxy -c")
        self.haproxy = self.spawn(
            "haproxy", [str(HAPROXY), "-db", "-f", str(conf)], dict(os.environ)
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                states = haproxy_states(self.tmp / "haproxy.sock")
                servers = [v for (b, s), v in states.items() if s not in ("FRONTEND", "BACKEND")]
                if servers and all(v == "UP" for v in servers):
                    break
            time.sleep(0.2)
        else:
            raise BenchError(f"haproxy: not every server UP:\n{self.haproxy.tail()}")
        for i in range(2):
            env = self.base_env(self.tmp / f"worker{i + 1}")
            self.mail_dirs.append(Path(env["MAIL_FILE_DIR"]))
            self.spawn(f"outbox{i + 1}", [*flask, "outbox", "work"], env)

    def start_s3(self) -> None:
        """moto_server, an S3-compatible server process, and one bucket in it."""
        port = free_port("127.0.0.1")
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
        moto = self.spawn(
            "moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env
        )
        endpoint = f"http://127.0.0.1:{port}"
        self.storage_env = {
            "UPLOAD_STORAGE": "s3",
            "S3_ENDPOINT_URL": endpoint,
            "S3_BUCKET": "aduan-scaleout",
            "S3_ACCESS_KEY": "bench",
            "S3_SECRET_KEY": "bench-secret",
            "S3_REGION": "us-east-1",
        }
        deadline = time.monotonic() + 30
        while True:  # listening is enough: boto3 below is its first real client
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline or not moto.alive():
                raise BenchError(f"moto_server did not start:\n{moto.tail()}")
            time.sleep(0.2)
        import boto3

        client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id="bench",
            aws_secret_access_key="bench-secret", region_name="us-east-1",
        )  # fmt: skip
        client.create_bucket(Bucket="aduan-scaleout")

    def start_host(self, host: Host) -> None:
        cmd = [
            str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "-b", f"{host.ip}:{host.port}",
            "--no-control-socket", "wsgi:app",
        ]  # fmt: skip
        host.proc = self.spawn(f"host{host.number}", cmd, host.env)

    def spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, cmd, env, self.tmp / f"{name}.log")
        self.procs.append(proc)
        return proc

    def _psql(self, url: str, sql: str) -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def query(self, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.db_url, connect_timeout=10) as conn:
            return conn.execute(sql).fetchall()

    def close(self) -> None:
        for proc in reversed(self.procs):
            with contextlib.suppress(Exception):
                proc.stop()
        with contextlib.suppress(Exception):
            self._psql(
                self.args.db.rstrip("/") + "/postgres",
                f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)',
            )
        with contextlib.suppress(Exception):
            import redis

            r = redis.Redis.from_url(REDIS_URL)
            prefix = f"aduan_scaleout_{os.getpid()}"
            for key in r.scan_iter(f"*{prefix}*"):
                r.delete(key)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cpu_groups(self, hosts: list[Host]) -> float:
        return group_cpu_seconds({h.proc.proc.pid for h in hosts if h.proc})


# --------------------------------------------------------------------------- the load


@dataclass
class Tally:
    journeys: int = 0
    acked: dict[str, str] = field(default_factory=dict)  # title -> tracking code / id
    post_ms: list[float] = field(default_factory=list)
    journey_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    photo_paths: list[str] = field(default_factory=list)  # a sample, for the reach check
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def citizen(
    kind: str, addr: tuple[str, int], form_path: str, label: str, number: int,
    photo: bytes, tally: Tally, stop: threading.Event,
) -> None:  # fmt: skip
    """Journeys until `stop`: the form, the POST (resent with the same key until
    acknowledged), the page it leads to."""
    done = PORTAL_DONE if kind == "portal" else BARE_DONE
    n = 0
    while not stop.is_set():
        n += 1
        cookies: dict[str, str] = {}
        title = f"Antrean lambat {label} {number}-{n}"
        started = time.perf_counter()
        try:
            status, _, body = call(addr, "GET", form_path, cookies)
        except (OSError, http.client.HTTPException) as exc:
            tally.error(f"GET form {type(exc).__name__}")
            continue
        if status != 200:
            tally.error(f"GET form {status}")
            stop.wait(0.2)
            continue
        fields = hidden_inputs(body.decode("utf-8", "replace"))
        fields.update(
            classification="complaint", title=title,
            description="Saya menunggu lebih dari tiga jam di loket pendaftaran tanpa "
            f"kejelasan nomor antrean (uji skala {label} {number}-{n}).",
            reporter_name="Warga Uji Skala", reporter_phone="0812 3456 7890",
            reporter_email=f"warga.{number}.{n}@example.org", notify_via="email", consent="y",
        )  # fmt: skip
        location = None
        attempts = 0
        while location is None:
            attempts += 1
            if attempts > 1:
                with tally.lock:
                    tally.retries += 1
            payload, ctype = multipart(fields, photo)
            t0 = time.perf_counter()
            try:
                status, headers, body = call(addr, "POST", form_path, cookies, payload, ctype)
            except (OSError, http.client.HTTPException) as exc:
                tally.error(f"POST {type(exc).__name__}")
                time.sleep(0.2)
                continue
            post_ms = (time.perf_counter() - t0) * 1000
            found = done.search(headers.get("Location") or "")
            if status == 303 and found:
                location = headers["Location"]
                with tally.lock:
                    tally.acked[title] = found.group(1)
                    tally.post_ms.append(post_ms)
                break
            tally.error(f"POST {status}")
            again = hidden_inputs(body.decode("utf-8", "replace"))
            if again.get("submission_key") == fields.get("submission_key"):
                fields.update(again)  # shown again: a fresh CSRF token, the same key
            if attempts > 20:
                break
            time.sleep(0.2)
        if location is None:
            continue
        parts = urlsplit(location)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            status, _, page = call(addr, "GET", path, cookies)
        except (OSError, http.client.HTTPException) as exc:
            tally.error(f"GET link {type(exc).__name__}")
            continue
        if kind == "portal" and len(tally.photo_paths) < PHOTO_SAMPLE:
            found_photo = PHOTO_LINK.search(page.decode("utf-8", "replace"))
            if found_photo:
                with tally.lock:
                    tally.photo_paths.append(found_photo.group(0).replace("&amp;", "&"))
        if status != 200:
            tally.error(f"GET link {status}")
            continue
        with tally.lock:
            tally.journeys += 1
            tally.journey_ms.append((time.perf_counter() - started) * 1000)


@dataclass
class Phase:
    kind: str
    hosts: int
    seconds: float
    tally: Tally
    host_cpu_s: float
    haproxy_cpu_s: float
    postgres_cpu_s: float
    redis_cpu_s: float
    client_cpu_s: float
    machine_busy_pct: float


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run_load(
    stack: Stack, kind: str, n: int, seconds: float, photo: bytes, label: str,
    during=None,
) -> Phase:  # fmt: skip
    addr = (BALANCER_IP, stack.frontends[f"{kind}{n}"])
    path = stack.form_path if kind == "portal" else "/r"
    hosts = stack.hosts if kind == "portal" else stack.bare_hosts
    tally, stop = Tally(), threading.Event()
    threads = [
        threading.Thread(
            target=citizen, args=(kind, addr, path, label, i, photo, tally, stop), daemon=True
        )
        for i in range(stack.args.concurrency)
    ]
    warm = Tally()  # the warm-up's journeys are not counted in the rates
    for t in threads:
        t.start()
    time.sleep(stack.args.warmup)
    with tally.lock:
        warm.journeys, warm.post_ms, warm.journey_ms = (
            tally.journeys, len(tally.post_ms), len(tally.journey_ms),
        )  # fmt: skip
        acked_before = len(tally.acked)
    cpu0 = (
        stack.cpu_groups(hosts[:n]), group_cpu_seconds({stack.haproxy.proc.pid}),
        named_cpu_seconds("postgres"), named_cpu_seconds("redis-server"), time.process_time(),
    )  # fmt: skip
    busy0 = machine_busy()
    t0 = time.monotonic()
    if during is not None:
        during()
    else:
        time.sleep(seconds)
    elapsed = time.monotonic() - t0
    cpu1 = (
        stack.cpu_groups(hosts[:n]), group_cpu_seconds({stack.haproxy.proc.pid}),
        named_cpu_seconds("postgres"), named_cpu_seconds("redis-server"), time.process_time(),
    )  # fmt: skip
    busy1 = machine_busy()
    with tally.lock:
        measured = Tally(
            journeys=tally.journeys - warm.journeys,
            post_ms=tally.post_ms[warm.post_ms :],
            journey_ms=tally.journey_ms[warm.journey_ms :],
        )
        acked_in_window = len(tally.acked) - acked_before
    stop.set()
    for t in threads:
        t.join(timeout=TIMEOUT + 5)
    measured.acked = tally.acked  # all of them, for the integrity check
    measured.errors, measured.retries = tally.errors, tally.retries
    measured.photo_paths = tally.photo_paths
    measured.submissions_in_window = acked_in_window  # type: ignore[attr-defined]
    d = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
    busy = 100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    return Phase(kind, n, elapsed, measured, d[0], d[1], d[2], d[3], d[4], busy)


def fmt(v: float | None, digits: int = 0) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def load_table(phases: list[Phase], args: argparse.Namespace) -> str:
    head = (
        "| stack | hosts | journeys/s | submissions/s | POST p50 / p95 ms | journey p50 / p95 ms"
        " | errors (retried) | host CPU ms/journey | hosts % of a core | haproxy % | postgres %"
        " | client % | machine busy % |\n"
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
    )
    lines = []
    bare = {p.hosts: p for p in phases if p.kind == "bare"}
    for p in phases:
        t = p.tally
        subs = t.submissions_in_window  # type: ignore[attr-defined]
        per = 1000 * p.host_cpu_s / t.journeys if t.journeys else None
        label = "portal (wsgi:app)" if p.kind == "portal" else "bare Flask (bench/bare_app.py)"
        lines.append(
            f"| {label} | {p.hosts} | {t.journeys / p.seconds:.1f} | {subs / p.seconds:.1f} "
            f"| {fmt(pct(t.post_ms, 0.5))} / {fmt(pct(t.post_ms, 0.95))} "
            f"| {fmt(pct(t.journey_ms, 0.5))} / {fmt(pct(t.journey_ms, 0.95))} "
            f"| {sum(t.errors.values())} ({t.retries}) | {fmt(per, 1)} "
            f"| {100 * p.host_cpu_s / p.seconds:.0f} | {100 * p.haproxy_cpu_s / p.seconds:.0f} "
            f"| {100 * p.postgres_cpu_s / p.seconds:.0f} | {100 * p.client_cpu_s / p.seconds:.0f} "
            f"| {p.machine_busy_pct:.0f} |"
        )
    ratios = []
    for p in phases:
        if p.kind == "portal" and p.hosts in bare and bare[p.hosts].tally.journeys:
            r = (p.tally.journeys / p.seconds) / (
                bare[p.hosts].tally.journeys / bare[p.hosts].seconds
            )
            ratios.append(f"{p.hosts} host(s) {r:.2f}")
    notes = [
        f"portal/bare journeys/s: {', '.join(ratios)}" if ratios else "",
        f"{args.concurrency} client threads; per row {args.rounds} rounds of {args.seconds:.0f} s"
        f" measured after {args.warmup:.0f} s of warm-up; gunicorn {version('gunicorn')},"
        f" {args.workers} sync worker(s) per host ({GUNICORN_CONF.relative_to(ROOT)}); HAProxy"
        " leastconn; journey = GET form + POST with a 320x240 JPEG (the bare app ignores it)"
        " + GET the page it redirects to; % = CPU time /"
        " wall time (100 % = one core; the machine has "
        f"{os.cpu_count()}, busy % counts every process on it, other agents included)",
    ]
    for p in phases:
        if p.tally.errors:
            samples = ", ".join(f"{k} ×{v}" for k, v in sorted(p.tally.errors.items()))
            notes.append(f"- {p.kind} {p.hosts} host(s) errors: {samples}")
    return head + "\n".join(lines) + "\n\n" + "\n".join(n for n in notes if n) + "\n"


# --------------------------------------------------------------------------- kill, routing


def kill_phase(stack: Stack, photo: bytes) -> tuple[Phase, dict]:
    """Load on 3 hosts; at a third of the window host 3's gunicorn group is SIGKILLed."""
    victim = stack.hosts[2]
    info: dict = {}

    def during() -> None:
        third = stack.args.kill_seconds / 3
        time.sleep(third)
        killed_at = time.monotonic()
        victim.proc.kill()
        info["killed"] = True
        sock = stack.tmp / "haproxy.sock"
        down_at = None
        while time.monotonic() - killed_at < stack.args.kill_seconds - third:
            if down_at is None:
                with contextlib.suppress(OSError):
                    if haproxy_states(sock).get(("be_portal3", "h3"), "").startswith("DOWN"):
                        down_at = time.monotonic()
            time.sleep(0.05)
        info["down_after_s"] = None if down_at is None else down_at - killed_at

    phase = run_load(stack, "portal", 3, stack.args.kill_seconds, photo, "kill", during)
    # What HAProxy itself answered 5xx, with its termination state and retry count.
    info["haproxy_5xx"] = {}
    for line in (stack.tmp / "haproxy.log").read_text(errors="replace").splitlines():
        found = HAPROXY_5XX.search(line)
        if found and "be_portal3" in line:
            key = f"{found.group(1)} {found.group(2)}, retries {found.group(3)}"
            info["haproxy_5xx"][key] = info["haproxy_5xx"].get(key, 0) + 1
    say("restarting host 3")
    t0 = time.monotonic()
    stack.start_host(victim)
    wait_http(victim.addr, stack.form_path, victim.proc)
    info["restart_s"] = time.monotonic() - t0
    up_at = None
    while time.monotonic() - t0 < 30:
        with contextlib.suppress(OSError):
            if haproxy_states(stack.tmp / "haproxy.sock").get(("be_portal3", "h3")) == "UP":
                up_at = time.monotonic()
                break
        time.sleep(0.05)
    info["up_again_s"] = None if up_at is None else up_at - t0
    return phase, info


def routing_phase(stack: Stack) -> dict[int, tuple]:
    """Rename the service on the form; per host: (first new answer, last old answer), in
    seconds after the new version's row was written (routing_versions.created_at, wall
    clock of this same machine), each host polled directly, not through the balancer."""
    env = stack.hosts[0].env
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    text = run_checked([*flask, "routing", "export"], env, "routing export")
    marker = f"{SERVICE_NAME} rev {secrets.token_hex(3)}"
    changed = text.replace(f"name: {SERVICE_NAME}\n", f"name: {marker}\n", 1)
    if changed == text:
        raise BenchError(f"routing export has no 'name: {SERVICE_NAME}' line")
    new = stack.tmp / "routing-new.yaml"
    new.write_text(changed, encoding="utf-8")
    seen: dict[int, list[tuple[float, bool]]] = {h.number: [] for h in stack.hosts}
    gauge: dict[int, list[tuple[float, float]]] = {h.number: [] for h in stack.hosts}
    stop = threading.Event()
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}

    def poll(host: Host) -> None:
        while not stop.is_set():
            try:
                status, _, body = call(host.addr, "GET", stack.form_path, None)
            except (OSError, http.client.HTTPException):
                continue
            seen[host.number].append((time.time(), status == 200 and marker.encode() in body))
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _, body = call(host.addr, "GET", "/metrics", None, headers=bearer)
                found = ROUTING_GAUGE.search(body.decode("utf-8", "replace"))
                if status == 200 and found:
                    gauge[host.number].append((time.time(), float(found.group(1))))
            time.sleep(0.02)

    pollers = [threading.Thread(target=poll, args=(h,), daemon=True) for h in stack.hosts]
    for t in pollers:
        t.start()
    run_checked([*flask, "routing", "apply", str(new), "--comment", "scale-out bench"], env,
                "routing apply")  # fmt: skip
    (written,) = stack.query("SELECT created_at FROM routing_versions ORDER BY id DESC LIMIT 1")[0]
    if written.tzinfo is None:  # stored as naive UTC
        from datetime import UTC

        written = written.replace(tzinfo=UTC)
    t0 = written.timestamp()
    time.sleep(max(5.0, 4 * stack.args.reload_seconds + 3))
    stop.set()
    for t in pollers:
        t.join(timeout=TIMEOUT)
    (new_id,) = stack.query("SELECT max(id) FROM routing_versions")[0]
    out = {}
    for number, answers in seen.items():
        first = next((at - t0 for at, new_one in answers if new_one), None)
        old = [at - t0 for at, new_one in answers if not new_one and at >= t0]
        readings = gauge[number]
        on_gauge = next((at - t0 for at, v in readings if v >= new_id), None) if readings else None
        out[number] = (first, max(old) if old else None, on_gauge if readings else "n/a")
    return out


def outbox_check(stack: Stack, timeout: float = 120) -> dict:
    """Wait until no outbox row is pending; count deliveries per Message-ID."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = dict(stack.query("SELECT status, count(*) FROM outbox_messages GROUP BY status"))
        if not rows.get("pending") and not rows.get("sending"):
            break
        time.sleep(1)
    ids: dict[str, int] = {}
    per_worker = []
    for folder in stack.mail_dirs:
        files = list(folder.glob("**/*.eml")) if folder.exists() else []
        per_worker.append(len(files))
        for f in files:
            msg = email.message_from_bytes(f.read_bytes())
            key = (msg.get("Message-ID") or f.name).strip()
            ids[key] = ids.get(key, 0) + 1
    stored = {
        mid
        for (mid,) in stack.query("SELECT message_id FROM outbox_messages WHERE status = 'sent'")
    }
    strip = {k.strip("<>"): v for k, v in ids.items()}
    return {
        "rows": rows,
        "per_worker": per_worker,
        "delivered": sum(ids.values()),
        "duplicates": sum(v - 1 for v in ids.values() if v > 1),
        "sent_not_delivered": sum(1 for m in stored if m.strip("<>") not in strip),
        "receipts": stack.query(
            "SELECT count(*) FROM outbox_messages WHERE complaint_id IS NOT NULL"
        )[0][0],
    }


def photo_reach(stack: Stack, paths: list[str]) -> list[tuple[int, int]]:
    """Per host, (photos it served, photos asked): each sampled photo link asked of every
    host directly. With UPLOAD_STORAGE=local a photo lives on the host that took the POST."""
    out = []
    for host in stack.hosts:
        ok = 0
        for path in paths:
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, headers, _ = call(host.addr, "GET", path)
                ok += status == 200 and (headers.get("Content-Type") or "").startswith("image/")
        out.append((ok, len(paths)))
    return out


def merge(rows: list[Phase]) -> Phase:
    """One row per (stack, hosts) from its rounds: times, counts and CPU summed."""
    first = rows[0]
    tally = Tally()
    for p in rows:
        tally.journeys += p.tally.journeys
        tally.post_ms += p.tally.post_ms
        tally.journey_ms += p.tally.journey_ms
        tally.retries += p.tally.retries
        tally.acked.update(p.tally.acked)
        tally.photo_paths += p.tally.photo_paths
        for k, v in p.tally.errors.items():
            tally.errors[k] = tally.errors.get(k, 0) + v
    tally.submissions_in_window = sum(p.tally.submissions_in_window for p in rows)  # type: ignore[attr-defined]
    seconds = sum(p.seconds for p in rows)
    busy = sum(p.machine_busy_pct * p.seconds for p in rows) / seconds
    return Phase(
        first.kind, first.hosts, seconds, tally,
        *(sum(getattr(p, name) for p in rows) for name in (
            "host_cpu_s", "haproxy_cpu_s", "postgres_cpu_s", "redis_cpu_s", "client_cpu_s")),
        busy,
    )  # fmt: skip


def integrity(stack: Stack, acked: dict[str, str]) -> dict:
    rows = stack.query("SELECT title, tracking_code FROM complaints")
    by_title: dict[str, list[str]] = {}
    for title, code in rows:
        by_title.setdefault(title, []).append(code)
    return {
        "acknowledged": len(acked),
        "stored": len(rows),
        "missing": sum(1 for t in acked if t not in by_title),
        "doubled": sum(len(v) - 1 for v in by_title.values() if len(v) > 1),
        "code_mismatch": sum(1 for t, c in acked.items() if t in by_title and c not in by_title[t]),
        "unacknowledged": sum(1 for t in by_title if t not in acked),
        # What one case costs PostgreSQL (case, events, photo rows, outbox rows, indexes;
        # the bare table's rows included, so slightly high), for docs/capacity.md.
        "db_bytes_per_case": (
            (
                stack.query("SELECT pg_database_size(current_database())")[0][0]
                - stack.empty_db_bytes
            )
            / len(rows)
            if rows
            else None
        ),
        "photo_bytes": stack.query(
            "SELECT coalesce(avg(byte_size), 0), count(*) FROM complaint_photos"
        )[0],
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=15.0, help="measured seconds per row")
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds per row")
    p.add_argument("--kill-seconds", type=float, default=24.0)
    p.add_argument("--concurrency", type=int, default=6)
    p.add_argument("--workers", type=int, default=1, help="sync workers per host")
    p.add_argument("--reload-seconds", type=float, default=1.0, help="ROUTING_RELOAD_SECONDS")
    p.add_argument(
        "--db",
        default=os.environ.get("BENCH_SCALEOUT_DB", "postgresql://root@localhost"),
        help="a PostgreSQL server URL without database; a fresh one is created",
    )
    p.add_argument(
        "--storage", choices=("local", "s3"), default=DEFAULT_STORAGE,
        help="photos: a folder per host, or one bucket in a moto_server process (default: s3"
        " once the app has the S3 store)",
    )  # fmt: skip
    p.add_argument("--record", action="store_true", help="append the tables to bench/RESULTS.md")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stack = Stack(args)
    # Ctrl-C and SIGTERM both end in the `finally` below that stops every process; SIGINT
    # explicitly too, since a shell's background job inherits it ignored.
    previous = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    photo = small_jpeg()
    try:
        stack.start()
        say(f"stack up in {stack.tmp}")
        # Rounds alternate the order (bare and portal side by side at each host count,
        # then backwards), so the noise of a shared machine falls on both stacks alike.
        order = [(kind, n) for n in (1, 2, 3) for kind in ("bare", "portal")]
        measured: dict[tuple[str, int], list[Phase]] = {key: [] for key in order}
        for r in range(args.rounds):
            for kind, n in order if r % 2 == 0 else order[::-1]:
                say(f"round {r + 1}: {kind}, {n} host(s)")
                measured[(kind, n)].append(
                    run_load(stack, kind, n, args.seconds, photo, f"{kind}{n}r{r}")
                )
        phases = [merge(measured[(kind, n)]) for kind in ("bare", "portal") for n in (1, 2, 3)]
        say("kill: host 3 SIGKILLed under load")
        kill, kill_info = kill_phase(stack, photo)
        say("routing: activation polled on every host")
        routing = routing_phase(stack)
        acked = {}
        for p in [*phases, kill]:
            if p.kind == "portal":
                acked.update(p.tally.acked)
        check = integrity(stack, acked)
        reach = photo_reach(
            stack, [p for ph in phases if ph.kind == "portal" for p in ph.tally.photo_paths]
        )
        say("outbox: waiting for the workers")
        mail = outbox_check(stack)
    except BenchError as exc:
        print(f"scale-out benchmark broken: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stack.close()
        signal.signal(signal.SIGTERM, previous)
    text = report(phases, kill, kill_info, routing, check, mail, reach, args)
    print(text)
    if args.record:
        command = "bench/scaleout.py " + " ".join(argv if argv is not None else sys.argv[1:])
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        with RESULTS.open("a") as f:
            f.write(
                f"\n## Scale-out: three app hosts behind HAProxy, {stamp}\n\n"
                f"- machine: {machine()}\n- Python {platform.python_version()}, "
                f"{haproxy_version()}\n"
                f"- code: {git_revision()}\n- command: `{command}`\n\n{text}"
            )
    return 0


def haproxy_version() -> str:
    out = subprocess.run([str(HAPROXY), "-v"], capture_output=True, text=True).stdout
    return (out.splitlines() or ["HAProxy ?"])[0]


def report(phases, kill, kill_info, routing, check, mail, reach, args) -> str:
    out = ["### Throughput through the balancer\n", load_table(phases, args)]
    t = kill.tally
    down = kill_info.get("down_after_s")
    up = kill_info.get("up_again_s")
    out += [
        "\n### One host SIGKILLed under load (3 hosts)\n",
        "| journeys/s | submissions/s | client errors (retried POSTs) | marked DOWN after"
        " | restarted, UP again after | acknowledged (whole run) | stored | missing | doubled"
        " | code differs | stored, not acknowledged |\n"
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
        f"| {t.journeys / kill.seconds:.1f} | {t.submissions_in_window / kill.seconds:.1f} "
        f"| {sum(t.errors.values())} ({t.retries}) | {fmt(down, 2)} s "
        f"| {fmt(up, 1)} s | {check['acknowledged']} | {check['stored']} | {check['missing']} "
        f"| {check['doubled']} | {check['code_mismatch']} | {check['unacknowledged']} |\n",
        f"\nPostgreSQL: {fmt((check['db_bytes_per_case'] or 0) / 1024, 1)}"
        f" KB per case stored (database growth / cases, before VACUUM);"
        f" {check['photo_bytes'][1]} photos, {float(check['photo_bytes'][0]) / 1024:.1f} KB each"
        " as stored\n",
    ]
    if kill_info.get("haproxy_5xx"):
        out.append(
            "\nHAProxy's own 5xx during the kill (status, termination state, retries): "
            + ", ".join(f"{k} ×{v}" for k, v in sorted(kill_info["haproxy_5xx"].items()))
            + "\n"
        )
    if t.errors:
        out.append(
            "\nclient errors: " + ", ".join(f"{k} ×{v}" for k, v in sorted(t.errors.items())) + "\n"
        )
    out += [
        f"\nhost 3 killed at {args.kill_seconds / 3:.0f} s of a {args.kill_seconds:.0f} s window;"
        " HAProxy check every 500 ms, fall 2; a POST that failed was sent again with the same"
        " form key; 'code differs' = the receipt's tracking code is not the stored one.\n",
        "\n### Routing activation reaching every host"
        f" (ROUTING_RELOAD_SECONDS={args.reload_seconds:g})\n",
        "| host | first answer with the new version | last answer with the old version"
        " | /metrics routing-version gauge at the new version |\n"
        "|---|--:|--:|--:|\n",
    ]
    for number, (first, last, gauge) in sorted(routing.items()):
        on_gauge = gauge if isinstance(gauge, str) else f"{fmt(gauge, 2)} s"
        out.append(
            f"| host {number} | {fmt(first, 2)} s "
            f"| {'none' if last is None else f'{last:.2f} s'} | {on_gauge} |\n"
        )
    out.append(
        "\nseconds after the new version was written (routing_versions.created_at); each host"
        " polled directly (not through the balancer) for the service's new name on its form"
        " page, every 20 ms; 'last old' = the host's last answer still showing the old name;"
        " the gauge column: n/a when /metrics has no routing-version metric\n"
    )
    out += [
        "\n### Outbox: two workers\n",
        "| outbox rows by state | .eml per worker | delivered | duplicates"
        " | sent, not delivered |\n"
        "|---|---|--:|--:|--:|\n",
        f"| {', '.join(f'{k} {v}' for k, v in sorted(mail['rows'].items()))} "
        f"| {' / '.join(str(n) for n in mail['per_worker'])} | {mail['delivered']} "
        f"| {mail['duplicates']} | {mail['sent_not_delivered']} |\n",
    ]
    storage = args.storage
    out += [
        f"\n### Photos asked of every host (UPLOAD_STORAGE={storage})\n",
        "| " + " | ".join(f"host {i + 1}" for i in range(len(reach))) + " |\n",
        "|" + "--:|" * len(reach) + "\n",
        "| " + " | ".join(f"{ok} / {n}" for ok, n in reach) + " |\n",
        "\nphotos served / asked: the photo links of a sample of the load's cases, each asked"
        " of every host directly\n",
    ]
    return "".join(out)


if __name__ == "__main__":
    sys.exit(main())

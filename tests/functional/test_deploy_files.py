"""The deployment kit in deploy/ works as installed: nginx, systemd units, gunicorn, env file.

- deploy/nginx/aduan.conf: `nginx -t` on the very site (its fixed places rewritten to a
  temp prefix by bench/nginx_site.py), then a real nginx in front of a small recording
  upstream: http redirects to https, the proxy headers TRUSTED_PROXIES=1 expects arrive,
  a body over MAX_CONTENT_LENGTH is refused by nginx, a request body reaches the app only
  whole (buffered), versioned static files are cached for a year and unversioned ones
  revalidated.
- deploy/systemd/*: `systemd-analyze verify` with no complaint at all (it exits 0 on an
  unknown key, so its output must be empty too).
- deploy/gunicorn.conf.py: `gunicorn --check-config`, and what LOG_FORMAT=json changes.
- deploy/aduan.env.example: only settings README's Configuration table documents.
"""

from __future__ import annotations

import http.client
import os
import re
import runpy
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from portal.config import load_config
from tests.components import unavailable
from tests.pgcluster import free_port
from tests.unit.test_config import documented

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))
import nginx_site  # noqa: E402 - bench/ is not a package

NO_VERIFY = ssl._create_unverified_context()  # noqa: S323 - the test's own self-signed cert


def nginx_or_skip() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        unavailable("nginx is not installed (apt-get install nginx)")
    if not shutil.which("openssl"):
        unavailable("openssl is not installed")
    return nginx


def places(tmp_path: Path, upstream_port: int = 1) -> nginx_site.Places:
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    cert, key = nginx_site.self_signed(prefix)
    return nginx_site.Places(prefix, free_port(), free_port(), upstream_port, cert, key)


# --------------------------------------------------------------------------- nginx


def test_nginx_accepts_the_site(tmp_path):
    nginx_or_skip()
    where = places(tmp_path)
    conf = nginx_site.write_config(where)
    result = subprocess.run(
        nginx_site.nginx_command(where, conf, "-t"), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_body_limit_is_the_apps_and_buffering_is_on(tmp_path):
    site = (DEPLOY / "nginx" / "aduan.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size, "client_max_body_size missing"
    default = load_config({"APP_ENV": "testing"}, tmp_path)["MAX_CONTENT_LENGTH"]
    assert int(size.group(1)) * 1024 * 1024 == default
    assert re.search(r"^\s*proxy_request_buffering on;", site, re.M)
    assert re.search(r"^\s*proxy_buffering on;", site, re.M)
    metrics = re.search(r"location = /metrics \{(.*?)\}", site, re.S)
    assert metrics and "deny all;" in metrics.group(1)


class Recorder(BaseHTTPRequestHandler):
    """The upstream: records each request's headers and body, answers 200."""

    seen: ClassVar[list[dict]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append({"path": self.path, "headers": dict(self.headers), "body": len(body)})
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def nginx_in_front(tmp_path):
    nginx_or_skip()
    Recorder.seen = []
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    where = places(tmp_path, upstream.server_address[1])
    server = nginx_site.Nginx(where)
    try:
        server.wait_listening()
        yield where
    finally:
        server.stop()
        upstream.shutdown()


def https(where, method: str, path: str, body: bytes | None = None, headers=None):
    conn = http.client.HTTPSConnection("127.0.0.1", where.https_port, timeout=20, context=NO_VERIFY)
    conn.request(method, path, body=body, headers={"Host": "aduan.test", **(headers or {})})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def test_http_redirects_to_https_but_serves_the_acme_challenge(nginx_in_front):
    where = nginx_in_front
    challenge = where.prefix / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True)
    (challenge / "tok").write_text("proof")
    conn = http.client.HTTPConnection("127.0.0.1", where.http_port, timeout=10)
    conn.request("GET", "/lapor?x=1", headers={"Host": "aduan.test"})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 301
    assert resp.getheader("Location") == "https://aduan.test/lapor?x=1"
    conn.request("GET", "/.well-known/acme-challenge/tok", headers={"Host": "aduan.test"})
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"proof")
    conn.close()


def test_the_app_gets_the_headers_trusted_proxies_expects(nginx_in_front):
    resp, data = https(nginx_in_front, "GET", "/lapor", headers={"X-Forwarded-For": "6.6.6.6"})
    assert (resp.status, data) == (200, b"ok")
    headers = Recorder.seen[-1]["headers"]
    assert headers["Host"] == "aduan.test"
    assert headers["X-Forwarded-Proto"] == "https"
    # nginx appends the address it saw: the last hop (TRUSTED_PROXIES=1) is the real one.
    assert headers["X-Forwarded-For"] == "6.6.6.6, 127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])


@pytest.mark.parametrize(
    ("sent", "hops", "scheme"),
    [
        (None, 1, "https"),  # nginx alone
        ("http", 1, "https"),  # a client forging it in front of nginx alone
        ("https", 2, "https"),  # a balancer that terminated TLS, then nginx
        ("http", 2, "http"),  # a balancer on plain http: the app must not claim https
    ],
)
def test_the_app_learns_the_citizens_scheme_alone_or_behind_a_balancer(
    nginx_in_front, sent, hops, scheme
):
    """The private link and its QR code are built from the request's scheme: nginx must
    append to a balancer's X-Forwarded-Proto, not replace it, or TRUSTED_PROXIES=2 finds
    one value for two hops and every link becomes http://."""
    from werkzeug.middleware.proxy_fix import ProxyFix
    from werkzeug.test import EnvironBuilder

    headers = {"X-Forwarded-For": "6.6.6.6"} | ({"X-Forwarded-Proto": sent} if sent else {})
    resp, _ = https(nginx_in_front, "GET", "/lacak/KSL-7K3Q9M?t=x", headers=headers)
    assert resp.status == 200
    seen = Recorder.seen[-1]["headers"]
    forwarded = {k: v for k, v in seen.items() if k.startswith("X-Forwarded-")}
    environ = EnvironBuilder(path="/lacak/KSL-7K3Q9M", headers=forwarded).get_environ()
    learned = {}

    def app(env, start_response):
        learned["scheme"] = env["wsgi.url_scheme"]
        start_response("204 No Content", [])
        return []

    ProxyFix(app, x_for=hops, x_proto=hops)(environ, lambda *a: None)
    assert learned["scheme"] == scheme


def test_nginx_logs_no_token(nginx_in_front):
    for path in (
        "/lacak/ABC-123456?t=SECRETTOKEN1",
        "/staf/sandi-baru/SECRETTOKEN2",
        "/staf/undangan/SECRETTOKEN3?x=1",
        "/open311/v2/requests.json?api_key=al311_SECRETKEY4",
    ):
        https(nginx_in_front, "GET", path, headers={"Referer": "https://x/?t=SECRETTOKEN5"})
    log = nginx_in_front.prefix / "aduan.access.log"
    for _ in range(50):  # nginx writes the line after the response
        if log.exists() and log.read_text().count("\n") >= 4:
            break
        time.sleep(0.1)
    text = log.read_text()
    assert '"GET /lacak/ABC-123456 HTTP/1.1" 200' in text
    assert '"GET /staf/sandi-baru/[redacted] HTTP/1.1" 200' in text
    assert "SECRET" not in text


def test_a_body_over_the_limit_is_refused_by_nginx(nginx_in_front):
    sock = socket.create_connection(("127.0.0.1", nginx_in_front.https_port), timeout=10)
    sock = NO_VERIFY.wrap_socket(sock, server_hostname="localhost")
    sock.sendall(
        b"POST /q/x HTTP/1.1\r\nHost: aduan.test\r\nContent-Type: multipart/form-data; "
        b"boundary=b\r\nContent-Length: %d\r\n\r\n" % (27 * 1024 * 1024)
    )
    answer = sock.recv(200)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert Recorder.seen == []


def test_a_slow_upload_reaches_the_app_only_when_whole(nginx_in_front):
    where = nginx_in_front
    body = b"x" * 300_000
    sock = socket.create_connection(("127.0.0.1", where.https_port), timeout=20)
    sock = NO_VERIFY.wrap_socket(sock, server_hostname="localhost")
    sock.sendall(
        b"POST /q/x HTTP/1.1\r\nHost: aduan.test\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    sock.sendall(body[:-1000])
    time.sleep(0.5)  # nginx holds the part it has; the app must not see the request yet
    assert Recorder.seen == []
    sock.sendall(body[-1000:])
    answer = sock.recv(200)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 200")
    assert Recorder.seen[-1]["body"] == len(body)


def test_static_files_are_served_by_nginx_with_a_cache_only_when_versioned(nginx_in_front):
    css = (ROOT / "portal" / "static" / "app.css").read_bytes()
    resp, data = https(nginx_in_front, "GET", "/static/app.css?v=0123456789ab")
    assert (resp.status, data) == (200, css)
    assert resp.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    resp, data = https(nginx_in_front, "GET", "/static/app.css")
    assert (resp.status, resp.getheader("Cache-Control")) == (200, "no-cache")
    assert Recorder.seen == []  # none of it reached the app
    # A dotted path leaves /static/ (nginx matches the normalised /wsgi.py) and goes to the
    # app, never to a file of the checkout outside portal/static.
    resp, data = https(nginx_in_front, "GET", "/static/../wsgi.py")
    assert data == b"ok"
    assert len(Recorder.seen) == 1


def test_haproxy_accepts_the_balancer_example(tmp_path):
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        unavailable("haproxy is not installed (apt-get install haproxy)")
    nginx_or_skip()  # for openssl
    cert, key = nginx_site.self_signed(tmp_path)
    pem = tmp_path / "both.pem"
    pem.write_text(cert.read_text() + key.read_text())
    text = (DEPLOY / "haproxy" / "aduan.cfg").read_text()
    assert "uri /readyz" in text
    text = text.replace("/etc/haproxy/certs/aduan.example.go.id.pem", str(pem))
    (tmp_path / "haproxy.cfg").write_text(text.replace("/dev/log", "127.0.0.1:5514"))
    result = subprocess.run(
        [haproxy, "-c", "-f", str(tmp_path / "haproxy.cfg")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[WARNING]" not in result.stdout + result.stderr


# --------------------------------------------------------------------------- systemd


def test_the_systemd_units_verify_clean(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        unavailable("systemd-analyze is not installed")
    units = sorted((DEPLOY / "systemd").glob("aduan-*"))
    names = {u.name for u in units}
    assert {"aduan-web.service", "aduan-worker.service", "aduan-tick.service",
            "aduan-tick.timer"} <= names  # fmt: skip
    for unit in units:
        text = unit.read_text()
        # This checkout's venv instead of /opt/aduan's, so "not executable" cannot fire
        # for a reason that is not the unit's; rclone may be absent on a test machine.
        text = text.replace("/opt/aduan/.venv/bin/", f"{VENV_BIN}/")
        text = text.replace("/usr/bin/rclone", shutil.which("true") or "/bin/true")
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", "--man=no", *[str(tmp_path / n) for n in sorted(names)]],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # unknown keys only warn


def test_the_units_share_the_environment_user_and_hardening():
    for unit in sorted((DEPLOY / "systemd").glob("aduan-*.service")):
        text = unit.read_text()
        for line in (
            "User=aduan",
            "WorkingDirectory=/opt/aduan",
            "EnvironmentFile=/etc/aduan/aduan.env",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "PrivateTmp=yes",
        ):
            assert re.search(rf"^{re.escape(line)}$", text, re.M), f"{unit.name}: {line}"
        assert re.search(r"^ReadWritePaths=.*/opt/aduan/instance", text, re.M), unit.name
        assert re.search(r"^ProtectHome=(yes|read-only)$", text, re.M), unit.name
    web = (DEPLOY / "systemd" / "aduan-web.service").read_text()
    assert "-c deploy/gunicorn.conf.py wsgi:app" in web
    assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/aduan-web/metrics" in web
    assert re.search(r"^RuntimeDirectory=.*aduan-web/metrics", web, re.M)


# --------------------------------------------------------------------------- gunicorn


def gunicorn_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        APP_ENV="testing",
        INSTANCE_PATH=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        **extra,
    )
    return env


def test_gunicorn_accepts_the_config(tmp_path):
    result = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--check-config", "-c", "deploy/gunicorn.conf.py",
         "wsgi:app"],
        cwd=ROOT, env=gunicorn_env(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def conf(monkeypatch, **env: str) -> dict:
    for name in ("LOG_FORMAT", "GUNICORN_ACCESS_LOG", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_the_config_keeps_the_hooks_and_the_measured_worker_model(monkeypatch):
    from portal.observability import gunicorn_hooks

    settings = conf(monkeypatch)
    assert settings["on_starting"] is gunicorn_hooks.on_starting
    assert settings["child_exit"] is gunicorn_hooks.child_exit
    assert settings["accesslog"] == "-"
    assert settings["logger_class"] == "portal.gunicorn_logging.RedactingLogger"
    assert settings["preload_app"] is False
    assert settings["worker_class"] == "sync"  # behind nginx: bench/RESULTS.md
    assert conf(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3


def test_json_logs_turn_gunicorns_access_log_off(monkeypatch):
    from portal.observability import gunicorn_hooks

    settings = conf(monkeypatch, LOG_FORMAT="json")
    assert settings["accesslog"] is None
    expected = gunicorn_hooks.json_logconfig()
    if isinstance(expected, dict):
        assert settings["logconfig_dict"] == expected
    else:
        assert "logconfig_dict" not in settings


# --------------------------------------------------------------------------- env file


def test_the_env_example_names_only_documented_settings():
    text = (DEPLOY / "aduan.env.example").read_text()
    names = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, re.M))
    assert {"APP_ENV", "SECRET_KEY", "QR_SIGNING_KEYS", "PUBLIC_BASE_URL", "DATABASE_URL",
            "RATELIMIT_STORAGE_URI", "TRUSTED_PROXIES", "MAIL_SERVER", "LOG_FORMAT",
            "METRICS_TOKEN", "UPLOAD_STORAGE", "S3_BUCKET"} <= names  # fmt: skip
    assert sorted(names - documented() - {"PROMETHEUS_MULTIPROC_DIR"}) == []
    assert re.search(r"^TRUSTED_PROXIES=1$", text, re.M)
    assert re.search(r"^LOG_FORMAT=json$", text, re.M)
    assert not re.search(r"^export ", text, re.M)  # systemd's EnvironmentFile has no export

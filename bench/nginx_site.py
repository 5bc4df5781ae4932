"""deploy/nginx/aduan.conf made runnable anywhere: a whole nginx.conf in a temp prefix.

The production site names fixed places (ports 80/443, /opt/aduan, /etc/letsencrypt, the
gunicorn on 127.0.0.1:8000). bench/slow_clients.py and tests/functional/test_deploy_files.py
run the very same site with those places rewritten to a temp folder and free ports, so what
is measured and checked is the file an operator installs, not a copy of it. Each rewrite
must hit: an edit of the site that moves one of these places fails here, loudly.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "aduan.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")


@dataclass(frozen=True)
class Places:
    """Where the rendered site listens and what it points at."""

    prefix: Path
    http_port: int
    https_port: int
    upstream_port: int
    cert: Path
    key: Path
    checkout: Path = ROOT


def _sub(pattern: str, replacement: str, text: str, what: str) -> str:
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if not count:
        raise ValueError(f"deploy/nginx/aduan.conf no longer has {what} ({pattern!r})")
    return new


def render_site(places: Places, site: str | None = None) -> str:
    """The production site with its fixed places replaced by `places`."""
    text = SITE.read_text() if site is None else site
    text = _sub(r"^\s*listen \[::\]:\d+.*\n", "", text, "an IPv6 listen line")
    text = _sub(r"listen 80;", f"listen 127.0.0.1:{places.http_port};", text, "listen 80")
    text = _sub(r"listen 443 ", f"listen 127.0.0.1:{places.https_port} ", text, "listen 443")
    text = _sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {places.cert};", text, "the cert")
    text = _sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {places.key};", text, "key")
    text = _sub(r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{places.upstream_port};",
                text, "the gunicorn upstream")  # fmt: skip
    text = _sub(r"/opt/aduan/", f"{places.checkout}/", text, "the checkout /opt/aduan")
    text = _sub(r"/var/log/nginx/", f"{places.prefix}/", text, "the log folder")
    return _sub(r"/var/www/letsencrypt", str(places.prefix / "acme"), text, "the ACME root")


def render_main(places: Places, site_path: Path) -> str:
    """A minimal nginx.conf around the site: everything nginx writes stays in the prefix."""
    prefix = places.prefix
    # As root the workers would drop to `nobody`, who may not read the checkout.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
{temp}
    include {site_path};
}}
"""


def self_signed(prefix: Path) -> tuple[Path, Path]:
    """A throw-away certificate for the TLS server block (openssl, one day)."""
    cert, key = prefix / "cert.pem", prefix / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def write_config(places: Places) -> Path:
    """Site and nginx.conf written into the prefix; returns the nginx.conf path."""
    for sub in ("tmp", "acme"):
        (places.prefix / sub).mkdir(parents=True, exist_ok=True)
    site_path = places.prefix / "aduan.conf"
    site_path.write_text(render_site(places))
    main = places.prefix / "nginx.conf"
    main.write_text(render_main(places, site_path))
    return main


def nginx_command(places: Places, conf: Path, *extra: str) -> list[str]:
    """nginx with everything (prefix, config, pid, error log) in the temp prefix; -e also
    moves the log nginx opens before it has read the config (Debian's /var/log/nginx)."""
    error_log = str(places.prefix / "error.log")
    return [NGINX, "-p", f"{places.prefix}/", "-e", error_log, "-c", str(conf), *extra]


class Nginx:
    """A foreground nginx (daemon off) started from the rendered config."""

    def __init__(self, places: Places) -> None:
        self.places = places
        self.conf = write_config(places)
        log = (places.prefix / "nginx.out").open("wb")
        self.proc = subprocess.Popen(
            nginx_command(places, self.conf, "-g", "daemon off;"),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)  # graceful: finish what it has
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)

    def wait_listening(self, limit: float = 10.0) -> None:
        import socket

        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.places.prefix / "error.log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.places.https_port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen")

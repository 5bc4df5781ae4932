"""deploy/nginx/aduan.conf as an outsider sees it: a real nginx on free ports.

What nginx answers by itself (a static file, a body over the limit, the app down) carries
the security headers the app sends on its own pages, no nginx version, and a short page in
Bahasa Indonesia with the real status; an answer from the app passes unchanged. /metrics is
never reached through a proxy (the HAProxy balancer sits on the allowed internal network
and its exact-path rule misses /%6detrics).
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.functional.test_deploy_files import (  # noqa: F401  (the nginx_in_front fixture)
    NO_VERIFY,
    Recorder,
    https,
    nginx_in_front,
    nginx_or_skip,
    nginx_site,
    places,
)

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


def assert_hardened(resp) -> None:
    for name, value in HEADERS.items():
        assert resp.getheader(name) == value, name
    assert resp.getheader("Server") == "nginx"  # server_tokens off: no version


@pytest.mark.parametrize("path", ["/static/app.css?v=0123456789ab", "/favicon.ico", "/static/x"])
def test_files_nginx_serves_carry_the_security_headers(nginx_in_front, path):  # noqa: F811
    resp, data = https(nginx_in_front, "GET", path)
    assert resp.status in (200, 404)
    assert_hardened(resp)
    assert b"nginx/" not in data
    assert Recorder.seen == []


def test_a_body_over_the_limit_gets_a_hardened_413_in_indonesian(nginx_in_front):  # noqa: F811
    sock = socket.create_connection(("127.0.0.1", nginx_in_front.https_port), timeout=10)
    sock = NO_VERIFY.wrap_socket(sock, server_hostname="localhost")
    sock.sendall(
        b"POST /q/x HTTP/1.1\r\nHost: aduan.test\r\nContent-Length: %d\r\n\r\n" % (27 * 1024 * 1024)
    )
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"."):
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    sock.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    lines = head.decode().split("\r\n")[1:]
    got = dict(line.split(": ", 1) for line in lines)
    for name, value in HEADERS.items():
        assert got[name] == value, name
    assert "Laporan terlalu besar" in body.decode()
    assert Recorder.seen == []


def test_the_app_down_gives_a_hardened_502_not_nginx_version(tmp_path):
    nginx_or_skip()
    server = nginx_site.Nginx(places(tmp_path, upstream_port=1))  # nothing listens on :1
    try:
        server.wait_listening()
        resp, data = https(server.places, "GET", "/lapor")
    finally:
        server.stop()
    assert resp.status == 502
    assert_hardened(resp)
    assert resp.getheader("Retry-After") == "30"
    assert "Layanan sedang tidak tersedia" in data.decode()


class Failing(BaseHTTPRequestHandler):
    """An upstream that answers 503 with its own page (the app's outage page)."""

    def do_GET(self) -> None:
        self.send_response(503)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "9")
        self.end_headers()
        self.wfile.write(b"app page!")

    def log_message(self, *args) -> None:
        pass


def test_the_apps_own_error_page_passes_unchanged(tmp_path):
    nginx_or_skip()
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    server = nginx_site.Nginx(places(tmp_path, upstream.server_address[1]))
    try:
        server.wait_listening()
        resp, data = https(server.places, "GET", "/lapor")
    finally:
        server.stop()
        upstream.shutdown()
    assert (resp.status, data) == (503, b"app page!")


@pytest.mark.parametrize("path", ["/metrics", "/%6detrics", "//metrics"])
def test_metrics_through_a_proxy_is_refused(nginx_in_front, path):  # noqa: F811
    resp, _ = https(nginx_in_front, "GET", path, headers={"X-Forwarded-For": "6.6.6.6"})
    assert resp.status == 404
    assert Recorder.seen == []
    # Prometheus scraping from an allowed address, with no proxy between, still gets it.
    resp, data = https(nginx_in_front, "GET", "/metrics")
    assert (resp.status, data) == (200, b"ok")


def test_the_clients_request_id_is_replaced_by_nginxs(nginx_in_front):  # noqa: F811
    resp, _ = https(nginx_in_front, "GET", "/lapor", headers={"X-Request-ID": "forged-id-1"})
    assert resp.status == 200
    sent = Recorder.seen[-1]["headers"]["X-Request-ID"]
    assert sent != "forged-id-1" and len(sent) == 32  # nginx's $request_id, not the client's


def test_a_smuggled_second_request_never_reaches_the_app(nginx_in_front):  # noqa: F811
    """Content-Length and Transfer-Encoding together: nginx frames the body itself and
    sends the app exactly one request with its own Content-Length."""
    sock = socket.create_connection(("127.0.0.1", nginx_in_front.https_port), timeout=10)
    sock = NO_VERIFY.wrap_socket(sock, server_hostname="localhost")
    smuggled = b"GET /metrics HTTP/1.1\r\nHost: aduan.test\r\n\r\n"
    sock.sendall(
        b"POST /q/x HTTP/1.1\r\nHost: aduan.test\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n" + smuggled
    )
    answer = b""
    while chunk := sock.recv(4096):
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 400") or answer.count(b"HTTP/1.1 ") == 1
    assert all(seen["path"] != "/metrics" for seen in Recorder.seen)
    assert len(Recorder.seen) <= 1

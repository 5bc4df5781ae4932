"""SENTRY_DSN: an unhandled error reaches Sentry tagged with the request id and carrying no
token, no e-mail address, no phone number, no cookie and no query string.

A real local HTTP server stands in for Sentry's ingest endpoint (the DSN points at it);
the app runs in a child process, since sentry_sdk.init is once per process.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import TEST_QR_KEYS
from tests.functional.test_outage_pages import closed_port_url

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zq8sEcReTtOkEn0123456789abcdefXYZ"
RESET = "ReSeTlInKtOkEn0123456789abcdefQRS"
CHILD = f"""
import json, logging
import sentry_sdk
from portal import create_app
app = create_app()

@app.get("/boom/<code>")
def boom(code):
    logging.getLogger("portal.boom").warning("about to fail: GET /lacak/KSL-ABC234?t={TOKEN}")
    raise RuntimeError("failed for siti@example.org, /lacak/KSL-ABC234?t={TOKEN}, "
                       "0812 3456 7890, /staf/sandi-baru/{RESET}")

client = app.test_client()
client.set_cookie("session", "cookie-{TOKEN}")
response = client.get("/boom/KSL-ABC234?t={TOKEN}",
                      headers={{"Authorization": "Bearer {TOKEN}", "Referer": "/x?t={TOKEN}"}})
sentry_sdk.flush(timeout=10)
print(json.dumps({{"status": response.status_code, "id": response.headers["X-Request-ID"]}}))
"""


class Ingest(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        Ingest.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):  # quiet
        return


@pytest.fixture
def ingest():
    Ingest.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_an_unhandled_error_reaches_sentry_clean_and_tagged(tmp_path, ingest):
    env = {
        "APP_ENV": "development",
        "SECRET_KEY": "sentry-test-secret-key-long-enough-01234",
        "QR_SIGNING_KEYS": TEST_QR_KEYS,
        "PUBLIC_BASE_URL": "http://localhost",
        "DATABASE_URL": closed_port_url(),
        "INSTANCE_PATH": str(tmp_path),
        "RATELIMIT_ENABLED": "0",
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{ingest}/1",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 500
    assert Ingest.received, "no envelope reached the stand-in Sentry"
    envelopes = b"\n".join(Ingest.received).decode("utf-8", errors="replace")
    events = []
    for line in envelopes.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and "exception" in item:
            events.append(item)
    [event] = events
    assert event["tags"]["request_id"] == answer["id"]
    assert "RuntimeError" in json.dumps(event["exception"])
    assert "[redacted]" in json.dumps(event["exception"])
    for secret in (TOKEN, RESET, "siti@example.org", "0812 3456 7890", "cookie-"):
        assert secret not in envelopes, secret
    request = event.get("request", {})
    assert "query_string" not in request and "cookies" not in request and "data" not in request
    assert request.get("url", "").endswith("/boom/KSL-ABC234")
    assert {k.lower() for k in request.get("headers", {})} <= {
        "accept",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "x-request-id",
    }
    assert "user" not in event or "ip_address" not in event.get("user", {})

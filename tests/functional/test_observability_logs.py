"""Log lines as an operator's log shipper sees them: a real process writing to stderr.

The app runs in a child process (APP_ENV=development, so it installs its own stderr
handler as in production), with a database nobody answers: the citizen's page then logs a
warning inside the request ("database unavailable, answered 503"), besides the access
line. The child prints what each response carried on stdout; stderr holds the log.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_QR_KEYS
from tests.functional.test_outage_pages import closed_port_url

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, sys
from portal import create_app
app = create_app()
client = app.test_client()
asked = json.loads(sys.argv[1])
seen = []
for path, inbound in asked:
    headers = {"X-Request-ID": inbound} if inbound else {}
    response = client.get(path, headers=headers)
    seen.append({"path": path, "status": response.status_code,
                 "id": response.headers.get("X-Request-ID"),
                 "body": response.get_data(as_text=True)})
print(json.dumps(seen))
"""
BAD_IDS = ("short", "has space in it", "evil\u00e9-id-000", "x" * 65, "id;rm -rf /", "../../etc")


def run(tmp_path: Path, asked: list[tuple[str, str | None]], **extra: str):
    env = {
        "APP_ENV": "development",
        "SECRET_KEY": "logs-test-secret-key-long-enough-0123456",
        "QR_SIGNING_KEYS": TEST_QR_KEYS,
        "PUBLIC_BASE_URL": "http://localhost",
        "DATABASE_URL": closed_port_url(),
        "DATABASE_CONNECT_TIMEOUT": "2",
        "INSTANCE_PATH": str(tmp_path),
        "RATELIMIT_ENABLED": "0",
        "PATH": "/usr/bin:/bin",
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(asked)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout), done.stderr


def test_json_lines_carry_the_request_id_of_their_request(tmp_path):
    asked = [("/lacak/KSL-ABC234?t=secret-token-in-the-query", None), ("/healthz", "lb-req-0001")]
    asked += [("/healthz", bad) for bad in BAD_IDS]
    seen, stderr = run(tmp_path, asked, LOG_FORMAT="json", TRUSTED_PROXIES="1")
    lines = [line for line in stderr.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    keys = {"time", "level", "logger", "message", "request_id"}
    assert all(isinstance(r, dict) and keys <= r.keys() for r in records)
    page, kept, *replaced = seen
    assert page["status"] == 503 and re.fullmatch(r"[0-9a-f]{32}", page["id"])
    # The id is on the page, for the citizen to quote ("Kode kejadian").
    assert f"Kode kejadian: {page['id']}" in page["body"]
    during = [r for r in records if r["request_id"] == page["id"]]
    access = [r for r in during if r["logger"] == "portal.access"]
    assert len(access) == 1
    assert access[0]["route"] == "/lacak/<code>" and access[0]["status"] == 503
    assert access[0]["method"] == "GET" and access[0]["duration_ms"] >= 0
    assert isinstance(access[0]["bytes"], int) and access[0]["bytes"] > 0
    others = [r for r in during if r["logger"] != "portal.access"]
    assert any(r["logger"] == "portal.availability.outage" for r in others), during
    assert "secret-token-in-the-query" not in stderr and "KSL-ABC234" not in access[0]["message"]
    # A well-formed inbound id (nginx, TRUSTED_PROXIES=1) is kept; anything else replaced.
    assert kept["id"] == "lb-req-0001"
    assert any(r["request_id"] == "lb-req-0001" for r in records)
    for answer, bad in zip(replaced, BAD_IDS, strict=True):
        assert re.fullmatch(r"[0-9a-f]{32}", answer["id"]) and answer["id"] != bad
        assert bad not in stderr
    # No client address in an access line (the test client's is 127.0.0.1; the database's
    # own address may appear in its error message).
    for line in lines:
        if '"portal.access"' in line:
            assert "127.0.0.1" not in line


def test_text_lines_carry_the_request_id_too(tmp_path):
    seen, stderr = run(tmp_path, [("/lacak/KSL-ABC234", None)])
    [page] = seen
    lines = [line for line in stderr.splitlines() if f"[{page['id']}]" in line]
    assert any("portal.access" in line and "GET /lacak/<code> 503" in line for line in lines)
    assert any("database unavailable" in line for line in lines)
    assert not stderr.lstrip().startswith("{")

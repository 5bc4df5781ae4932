"""Private-link tokens stay out of URLs that get logged and out of the access logs.

The language switch on the private case page is a POST (the token travels in the body);
every other language link drops `t`. The werkzeug development server's log and gunicorn's
access log (deploy/gunicorn.conf.py) print "[redacted]" instead of a token; checked on records the
real servers write.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from flask import current_app
from werkzeug.serving import make_server

from portal.complaints.access import access_token_for
from portal.config import PROJECT_ROOT
from portal.logredact import REDACTED, RedactTokens, redact
from tests.factories import stored_complaint


def _private(complaint) -> str:
    return access_token_for(current_app.config["SECRET_KEY"], complaint.submission_digest)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "form":
            self.forms.append((a.get("action", ""), {}))
        if tag == "input" and self.forms and a.get("type") == "hidden":
            self.forms[-1][1][a.get("name", "")] = a.get("value", "")


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_the_private_page_switches_language_without_the_token_in_a_url(app, client):
    complaint = stored_complaint(description="Antrean di loket pendaftaran tiga jam lamanya.")
    token = _private(complaint)
    page = client.get(f"/lacak/{complaint.tracking_code}?t={token}")
    assert page.status_code == 200
    links = _links(page.get_data(as_text=True))
    assert not [h for h in links.hrefs if "/bahasa/" in h and token in h]
    assert not [h for h in links.hrefs if token in h and h.startswith("/")]
    switches = [(action, fields) for action, fields in links.forms if "/bahasa/en" in action]
    assert len(switches) == 1
    action, fields = switches[0]
    assert token not in action and token in fields["next"]

    assert fields["csrf_token"]
    switched = client.post(action, data=fields)
    assert switched.status_code == 303
    assert switched.headers["Location"] == f"/lacak/{complaint.tracking_code}?t={token}"
    english = client.get(switched.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Antrean di loket pendaftaran tiga jam lamanya." in english  # still the private view


def test_language_links_elsewhere_never_carry_a_t_parameter(client):
    complaint = stored_complaint()
    page = client.get(f"/lacak/{complaint.tracking_code}?t=not-the-token&x=1")
    hrefs = [h for h in _links(page.get_data(as_text=True)).hrefs if "/bahasa/" in h]
    assert hrefs and all("not-the-token" not in h and "t%3D" not in h for h in hrefs)
    assert any("x%3D1" in h for h in hrefs)  # the rest of the query is kept


def test_a_posted_language_switch_stays_on_this_site(client):
    complaint = stored_complaint()
    page = client.get(f"/lacak/{complaint.tracking_code}?t={_private(complaint)}")
    csrf = _links(page.get_data(as_text=True)).forms[0][1]["csrf_token"]
    for target in ("https://evil.example.com/", "//evil.example.com/"):
        response = client.post("/bahasa/en", data={"next": target, "csrf_token": csrf})
        assert response.status_code == 303 and response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "line, secret",
    [
        ('"GET /lacak/KSL-7K3Q9M?t=abcDEF_123-xyz HTTP/1.1" 200', "abcDEF_123-xyz"),
        ('"GET /lacak/KSL-7K3Q9M?baru=1&t=abcDEF_123-xyz HTTP/1.1"', "abcDEF_123-xyz"),
        ("/bahasa/en?next=%2Flacak%2FKSL-7K3Q9M%3Ft%3DabcDEF_123-xyz", "abcDEF_123-xyz"),
        ("/bahasa/en?next=%2Flacak%2FKSL-7K3Q9M%3Fbaru%3D1%26t%3DabcDEF_123-xyz", "abcDEF_123"),
    ],
)
def test_redact_replaces_the_token_in_every_spelling(line, secret):
    cleaned = redact(line)
    assert secret not in cleaned and REDACTED in cleaned
    assert redact(cleaned) == cleaned
    assert redact("/lacak/KSL-7K3Q9M?kode=KSL&tab=2") == "/lacak/KSL-7K3Q9M?kode=KSL&tab=2"
    assert redact("t=abc&baru=1") == "t=[redacted]&baru=1"  # a bare query string
    assert redact("GET /staf/antrian?sort=newest&at=3") == "GET /staf/antrian?sort=newest&at=3"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def _fetch(url: str, referer: str | None = None) -> int:
    """One GET, no redirects followed: the access-log line is what counts."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"Referer": referer} if referer else {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@contextlib.contextmanager
def development_server_log(app) -> Iterator[tuple[str, _Collect]]:
    """The app under Werkzeug's development server on a free port: (base URL, the lines of
    its access log written meanwhile), with the log's redacting filter in place."""
    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("werkzeug").filters)
    collect = _Collect()
    logger = logging.getLogger("werkzeug")
    logger.addHandler(collect)
    previous = logger.level
    logger.setLevel(logging.INFO)
    server = make_server("127.0.0.1", _free_port(), app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", collect
    finally:
        server.shutdown()
        thread.join()
        logger.removeHandler(collect)
        logger.setLevel(previous)


def test_the_development_servers_log_shows_no_token(app):
    complaint = stored_complaint()
    token = _private(complaint)
    with development_server_log(app) as (base, collect):
        path = f"/lacak/{complaint.tracking_code}?t={token}"
        _fetch(base + path)
        _fetch(f"{base}/bahasa/en?next={quote(path, safe='')}")
    requests = [line for line in collect.lines if "GET /" in line]
    assert len(requests) >= 2, collect.lines
    assert all(token not in line for line in collect.lines)
    assert sum(REDACTED in line for line in requests) >= 2


def test_gunicorns_access_log_shows_no_token(app, test_environ, tmp_path):
    complaint = stored_complaint()
    token = _private(complaint)
    port = _free_port()
    log_file = tmp_path / "access.log"
    env = {**os.environ, **test_environ}
    server = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log_file),
            # The default format plus the request's query and its Referer, both redacted.
            "--access-logformat",
            '%(h)s "%(r)s" %(s)s q=%(q)s ref="%(f)s" %({referer}i)s',
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,  # deploy/gunicorn.conf.py imports portal from here
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        path = f"/lacak/{complaint.tracking_code}?t={token}"
        for _ in range(600):  # wait for the server to come up (not a timing assertion)
            try:
                _fetch(base + "/lacak")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stderr.read().decode())
                time.sleep(0.1)
        _fetch(base + path, referer=base + path)
        _fetch(f"{base}/bahasa/en?next={quote(path, safe='')}")
    finally:
        server.terminate()
        server.wait(timeout=60)
    lines = log_file.read_text().splitlines()
    wanted = [line for line in lines if complaint.tracking_code in line]
    # the private page and the language link
    assert len(wanted) == 2, lines
    assert all(token not in line for line in lines)
    assert re.search(r"\?t=\[redacted\].*q=t=\[redacted\] ref=\".*\?t=\[redacted\]", wanted[0])
    assert "/bahasa/en?next=" in wanted[1] and "%3Ft%3D[redacted]" in wanted[1]

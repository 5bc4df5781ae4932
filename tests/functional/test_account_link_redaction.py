"""The tokens of the staff account links (/staf/undangan/<token>, /staf/sandi-baru/<token>)
never reach a log: redacted in every spelling, and absent from the access log the real
development server writes while the link page and its language link are opened."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from portal.accounts import tokens
from portal.accounts.services import create_user
from portal.extensions import db
from portal.logredact import REDACTED, redact
from tests.functional.test_token_redaction import _fetch, development_server_log

SECRET = "Zm9vYmFyYmF6cXV4_-0123456789abcdefghijklmn"


@pytest.mark.parametrize(
    "line",
    [
        f'"GET /staf/sandi-baru/{SECRET} HTTP/1.1" 200',
        f'"POST /staf/undangan/{SECRET} HTTP/1.1" 303',
        f'"GET /staf/sandi-baru/{SECRET}?x=1 HTTP/1.1" 200',
        f"/bahasa/en?next=%2Fstaf%2Fsandi-baru%2F{SECRET}",
        f"/bahasa/en?next=%2fstaf%2fundangan%2f{SECRET}&y=2",
        f"http://localhost/staf/undangan/{SECRET}",
    ],
)
def test_account_link_tokens_are_redacted_in_every_spelling(line):
    cleaned = redact(line)
    assert SECRET not in cleaned and REDACTED in cleaned
    assert redact(cleaned) == cleaned


def test_other_staff_paths_are_left_alone():
    for line in ("GET /staf/akun HTTP/1.1", "GET /staf/lupa-sandi?terkirim=1", "/staf/undangan/"):
        assert redact(line) == line


def test_the_development_servers_log_shows_no_account_token(app, router):
    user = create_user(
        router,
        email="petugas@example.org",
        password="kata-sandi-lama-123",
        role="leader",
        region="kalsel",
    )
    issued = tokens.issue(user, tokens.RESET, timedelta(hours=1), app.config["SECRET_KEY"])
    db.session.commit()
    with development_server_log(app) as (base, collect):
        path = f"/staf/sandi-baru/{issued.token}"
        assert _fetch(base + path) == 200
        _fetch(f"{base}/bahasa/en?next={quote(path, safe='')}")
        assert _fetch(f"{base}/staf/undangan/{issued.token}") == 404
    requests = [line for line in collect.lines if "GET /" in line]
    assert len(requests) >= 3, collect.lines
    assert all(issued.token not in line for line in collect.lines)
    assert sum(REDACTED in line for line in requests) >= 3

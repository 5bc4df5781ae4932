"""Helpers that act like a browser: read the form's hidden fields, post what a person types."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from PIL import Image


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"]] = a.get("value", "")


def hidden_fields(html: str | bytes) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser.hidden


def valid_report(**overrides) -> dict:
    data = {
        "classification": "complaint",
        "title": "Antrean pendaftaran sangat lama",
        "description": "Saya menunggu tiga jam di loket pendaftaran tanpa kejelasan nomor antrean.",
        "reporter_name": "Siti Aminah",
        "reporter_phone": "0812 3456 7890",
        "reporter_email": "siti@example.org",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def open_form(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    fields = hidden_fields(response.data)
    assert "csrf_token" in fields and "submission_key" in fields
    return fields


RECENT_SUBMISSIONS_COOKIE = "aduan_terkirim"  # portal.citizen.recent_submissions.COOKIE


def post_report(
    client,
    url: str,
    hidden: dict[str, str] | None = None,
    files=None,
    *,
    same_browser: bool = False,
    **overrides,
):
    """POST the report form. Many tests file several reports through one test client as if
    from several phones: the browser's recent-submissions cookie (which makes this browser's
    second send of the same text a replay) is dropped first unless `same_browser`."""
    if not same_browser:
        client.delete_cookie(RECENT_SUBMISSIONS_COOKIE)
    hidden = hidden if hidden is not None else open_form(client, url)
    data = {**hidden, **valid_report(**overrides)}
    if files:
        data["photos"] = files
    return client.post(url, data=data, content_type="multipart/form-data")


TRACKING = re.compile(r"/lacak/([A-Z]{2,4}-[A-Z0-9]{6})\?t=([A-Za-z0-9_-]+)")


def receipt(response) -> tuple[str, str]:
    """(tracking code, private token) from the redirect after a successful submission."""
    assert response.status_code == 303, (response.status_code, response.data[:500])
    match = TRACKING.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1), match.group(2)


def image_bytes(fmt: str = "JPEG", size=(64, 48), exif=None, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def login(client, email: str, password: str):
    page = client.get("/staf/masuk")
    fields = hidden_fields(page.data)
    return client.post(
        "/staf/masuk",
        data={"csrf_token": fields["csrf_token"], "email": email, "password": password},
    )


def cheap_hash(password: str) -> str:
    """One PBKDF2 round instead of scrypt, for tests that sign in hundreds of times."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1")


def cheap_kalsel_admin(router, password: str):
    """A Kalimantan Selatan regional admin whose password checks cost next to nothing."""
    from portal.accounts.services import create_user
    from portal.extensions import db

    user = create_user(
        router,
        email="admin.kalsel@example.org",
        password=password,
        role="regional-admin",
        region="kalsel",
    )
    user.password_hash = cheap_hash(password)
    db.session.commit()
    return user


def drain_concurrently(app, make_channel, *, workers: int, now, limit: int) -> None:
    """Several outbox workers (threads, each with its own app context and connection)
    deliver until nothing is due; the first error any of them met is raised here."""
    import threading

    from portal.extensions import db
    from portal.outbox.worker import deliver_batch

    errors: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context():
                while deliver_batch(make_channel(), now=now, limit=limit).handled:
                    pass
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def until(check: Callable, what: str, timeout: float, interval: float = 0.05):
    """Poll `check` until it returns something true, failing the test after `timeout`
    seconds (a bound for a real process to get there, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"gave up waiting for {what}")

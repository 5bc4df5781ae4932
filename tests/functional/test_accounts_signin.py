"""The sign-in page under the throttle: what a locked-out person (or machine) is told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts import services
from portal.timeutil import utcnow
from tests.helpers import cheap_hash, cheap_kalsel_admin

PASSWORD = "kata-sandi-uji-123"
WRONG = "bukan-kata-sandinya"
LOCKED = "Terlalu banyak percobaan masuk yang gagal"


@pytest.fixture
def admin(app, router, monkeypatch):
    monkeypatch.setattr(services, "_DUMMY_HASH", cheap_hash("not-a-real-password"))
    return cheap_kalsel_admin(router, PASSWORD)


@pytest.fixture
def clock(monkeypatch):
    """The service's clock, moved by hand instead of sleeping."""
    now = {"t": utcnow()}
    monkeypatch.setattr(services, "utcnow", lambda: now["t"])
    return now


def browser(app, address: str = "203.0.113.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_fifth_wrong_password_locks_with_a_429_that_says_how_long(app, h, admin, clock):
    client = browser(app)
    for _ in range(4):
        assert h.login(client, admin.email, WRONG).status_code == 401
    fifth = h.login(client, admin.email, WRONG)
    assert fifth.status_code == 429
    assert fifth.headers["Retry-After"] == "900"
    text = fifth.get_data(as_text=True)
    assert LOCKED in text and "Coba lagi dalam 15 menit." in text

    clock["t"] += timedelta(minutes=5)
    right = h.login(client, admin.email, PASSWORD)  # the right password waits too
    assert right.status_code == 429 and "Coba lagi dalam 10 menit." in right.get_data(as_text=True)
    assert client.get("/staf/antrian").status_code == 302  # not signed in

    clock["t"] += timedelta(minutes=10)
    assert h.login(client, admin.email, PASSWORD).status_code == 302
    assert client.get("/staf/antrian").status_code == 200


def test_unknown_email_gets_the_same_answers(app, h, admin, clock):
    def answers(email: str, address: str) -> list[tuple]:
        client = browser(app, address)
        out = []
        for password in [WRONG] * 5 + [PASSWORD]:
            r = h.login(client, email, password)
            alert = r.get_data(as_text=True).split('role="alert">')[1].split("</div>")[0]
            out.append((r.status_code, r.headers.get("Retry-After"), alert))
        return out

    assert answers(admin.email, "198.51.100.1") == answers("nobody@example.org", "198.51.100.2")


def test_lock_message_in_english(app, h, admin, clock):
    client = browser(app)
    client.set_cookie("lang", "en")
    for _ in range(5):
        response = h.login(client, admin.email, WRONG)
    assert response.status_code == 429
    assert "try again in 15 minutes" in response.get_data(as_text=True)


def test_one_address_guessing_many_emails_is_locked_out(app, h, admin, clock):
    attacker = browser(app, "192.0.2.66")
    statuses = [h.login(attacker, f"tebak{i}@example.org", WRONG).status_code for i in range(20)]
    assert statuses == [401] * 19 + [429]
    assert h.login(attacker, admin.email, PASSWORD).status_code == 429
    # Everyone else, and the account itself, still signs in from their own address.
    assert h.login(browser(app, "203.0.113.50"), admin.email, PASSWORD).status_code == 302


def test_successful_sign_in_clears_earlier_failures(app, h, admin, clock):
    client = browser(app)
    for _ in range(4):
        h.login(client, admin.email, WRONG)
    assert h.login(client, admin.email, PASSWORD).status_code == 302
    other = browser(app)
    for _ in range(4):
        assert h.login(other, admin.email, WRONG).status_code == 401

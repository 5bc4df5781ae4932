"""Staff sessions end: after PERMANENT_SESSION_LIFETIME, and at once when the account is
disabled. Old cookies are forged with the app's own signer instead of sleeping."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from portal.accounts.services import create_user

PASSWORD = "kata-sandi-uji-123"
EMAIL = "admin.kalsel@example.org"


@pytest.fixture
def admin(app, router):
    return create_user(
        router, email=EMAIL, password=PASSWORD, role="regional-admin", region="kalsel"
    )


def signed_in(app, h):
    client = app.test_client()
    assert h.login(client, EMAIL, PASSWORD).status_code == 302
    assert client.get("/staf/antrian").status_code == 200
    return client


def age_session(app, client, seconds: float) -> None:
    """Re-sign the client's session cookie as if it had been issued `seconds` ago."""
    name = app.config["SESSION_COOKIE_NAME"]
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(client.get_cookie(name).value)

    class IssuedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - seconds)

    serializer.signer = IssuedEarlier
    client.set_cookie(name, serializer.dumps(data))


def test_sign_in_sets_a_session_that_expires(app, h, admin):
    client = app.test_client()
    response = h.login(client, EMAIL, PASSWORD)
    assert "Expires=" in response.headers["Set-Cookie"]
    assert app.permanent_session_lifetime == timedelta(hours=8)  # the default


def test_session_within_its_lifetime_still_works(app, h, admin):
    client = signed_in(app, h)
    age_session(app, client, app.permanent_session_lifetime.total_seconds() - 60)
    assert client.get("/staf/antrian").status_code == 200


def test_expired_session_is_sent_back_to_sign_in(app, h, admin):
    client = signed_in(app, h)
    age_session(app, client, app.permanent_session_lifetime.total_seconds() + 60)
    response = client.get("/staf/antrian")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staf/masuk")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Silakan masuk untuk membuka halaman staf." in page


def test_shorter_lifetime_from_config_is_honoured(app, h, admin, monkeypatch):
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=1))
    client = signed_in(app, h)
    age_session(app, client, 2)
    assert client.get("/staf/antrian").status_code == 302


def test_disabling_signs_out_an_open_session_on_its_next_request(app, h, admin):
    client = signed_in(app, h)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "disable", "--email", EMAIL]).exit_code == 0
    response = client.get("/staf/antrian")
    assert response.status_code == 302 and "/staf/masuk" in response.headers["Location"]
    assert h.login(client, EMAIL, PASSWORD).status_code == 401

    assert runner.invoke(args=["users", "enable", "--email", EMAIL]).exit_code == 0
    assert h.login(client, EMAIL, PASSWORD).status_code == 302
    assert client.get("/staf/antrian").status_code == 200


def test_sign_out_ends_the_session(app, h, admin):
    client = signed_in(app, h)
    fields = h.hidden_fields(client.get("/staf/antrian").data)
    response = client.post("/staf/keluar", data={"csrf_token": fields["csrf_token"]})
    assert response.status_code == 302
    assert client.get("/staf/antrian").status_code == 302

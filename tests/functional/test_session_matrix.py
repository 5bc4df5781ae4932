"""Every way a staff session is meant to end ends it, for the browser that did it, for any
other browser of the account, and for a copy of the cookie taken before.

"A browser" is a test client with its own cookie jar; "a copied cookie" is the session
cookie read from one client before the event and set, byte for byte, into a fresh client
afterwards, which is exactly what a thief with the cookie would do. Each case asserts the
copy is sent to the sign-in page, and that the account itself can still sign in afresh
where it should.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from portal.accounts.services import create_user, find_by_email

PASSWORD = "kata-sandi-uji-123"
NEW_PASSWORD = "sungai-martapura-pagi-hari"
EMAIL = "admin.kalsel@example.org"
OTHER = "admin.hst@example.org"
QUEUE = "/staf/antrian"


@pytest.fixture
def accounts(app, router):
    create_user(router, email=EMAIL, password=PASSWORD, role="regional-admin", region="kalsel")
    create_user(router, email=OTHER, password=PASSWORD, role="regional-admin", region="hst")


def browser(app, h, email: str = EMAIL, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert h.login(client, email, password).status_code == 302
    assert client.get(QUEUE).status_code == 200
    return client


def copy_of_cookie(app, client: FlaskClient) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def replay(app, cookie: str) -> FlaskClient:
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return thief


def assert_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get(QUEUE)
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].startswith("/staf/masuk")


def csrf(client: FlaskClient, h, url: str = QUEUE) -> str:
    return h.hidden_fields(client.get(url).data)["csrf_token"]


# --- the events, each done the way a person or an operator does it ---------------------------


def sign_out(app, h, actor: FlaskClient) -> None:
    response = actor.post("/staf/keluar", data={"csrf_token": csrf(actor, h)})
    assert response.status_code == 302


def change_password_on_the_web(app, h, actor: FlaskClient) -> None:
    response = actor.post(
        "/staf/akun",
        data={
            "csrf_token": csrf(actor, h, "/staf/akun"),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def set_password_from_the_cli(app, h, actor: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "--email", EMAIL, "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 0, result.output


def disable_and_enable(app, h, actor: FlaskClient) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "disable", "--email", EMAIL]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "--email", EMAIL]).exit_code == 0


def sign_out_everywhere_button(app, h, actor: FlaskClient) -> None:
    response = actor.post(
        "/staf/akun/keluar-semua", data={"csrf_token": csrf(actor, h, "/staf/akun")}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staf/masuk")


def sign_out_everywhere_cli(app, h, actor: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(args=["users", "sign-out-everywhere", "--email", EMAIL])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"signed out everywhere: {EMAIL}"


@dataclass(frozen=True)
class Event:
    name: str
    run: Callable
    password_after: str
    actor_stays_signed_in: bool  # the browser that changed its own password keeps going


EVENTS = [
    Event("sign-out", sign_out, PASSWORD, False),
    Event("password change (web)", change_password_on_the_web, NEW_PASSWORD, True),
    Event("password change (cli)", set_password_from_the_cli, NEW_PASSWORD, False),
    Event("disable then enable", disable_and_enable, PASSWORD, False),
    Event("sign out everywhere (button)", sign_out_everywhere_button, PASSWORD, False),
    Event("sign out everywhere (cli)", sign_out_everywhere_cli, PASSWORD, False),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.name)
def test_event_ends_every_earlier_session_and_every_copied_cookie(app, h, accounts, event):
    first = browser(app, h)
    second = browser(app, h)  # another browser of the same account
    other_account = browser(app, h, OTHER)
    stolen = copy_of_cookie(app, first)
    stolen_second = copy_of_cookie(app, second)

    event.run(app, h, first)

    assert_sent_to_sign_in(replay(app, stolen))
    assert_sent_to_sign_in(replay(app, stolen_second))
    assert_sent_to_sign_in(second)
    if event.actor_stays_signed_in:
        assert first.get(QUEUE).status_code == 200
        assert copy_of_cookie(app, first) != stolen
    else:
        assert_sent_to_sign_in(first)
    # Another account's sessions are untouched.
    assert other_account.get(QUEUE).status_code == 200
    # The account can sign in again (with the password it has now) and work.
    fresh = browser(app, h, EMAIL, event.password_after)
    assert fresh.get(QUEUE).status_code == 200
    # ... and the old copy still does not come back to life.
    assert_sent_to_sign_in(replay(app, stolen))


def test_a_disabled_account_stays_out_even_with_a_new_cookie_copy(app, h, accounts):
    client = browser(app, h)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "disable", "--email", EMAIL]).exit_code == 0
    assert_sent_to_sign_in(client)
    assert h.login(app.test_client(), EMAIL, PASSWORD).status_code == 401


def test_a_session_from_before_generations_is_sent_to_sign_in(app, h, accounts):
    """A cookie holding the bare account id (how sessions were stored before) is refused."""
    client = browser(app, h)
    with client.session_transaction() as session:
        user_id, _, generation = session["_user_id"].partition(":")
        assert generation == str(find_by_email(EMAIL).session_generation)
        session["_user_id"] = user_id
    assert_sent_to_sign_in(client)


def test_forged_generation_values_are_refused(app, h, accounts):
    client = browser(app, h)
    user_id = str(find_by_email(EMAIL).id)
    for forged in (f"{user_id}:99", f"{user_id}:-1", f"{user_id}:x", f"{user_id}:", ":0", "x:0"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert_sent_to_sign_in(client)


def test_sign_out_everywhere_cli_refuses_an_unknown_account(app, accounts):
    result = app.test_cli_runner().invoke(
        args=["users", "sign-out-everywhere", "--email", "siapa@example.org"]
    )
    assert result.exit_code == 1
    assert "error: no account for siapa@example.org" in result.output


def test_the_account_page_is_signed_in_only(app, client, accounts):
    response = client.get("/staf/akun")
    assert response.status_code == 302 and "/staf/masuk" in response.headers["Location"]
    response = client.post("/staf/akun/keluar-semua")
    assert response.status_code in (302, 400)  # no session: sign in first, or no CSRF

"""Issue 18 attacked: staff accounts, links, the forgot-password page and the audit trail,
through real requests, at the holes the features' own tests did not try."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from portal.accounts import password_links, tokens
from portal.accounts.models import AccountToken, User
from portal.accounts.services import create_user, find_by_email, set_active
from portal.audit import actions
from portal.audit.models import AuditEntry
from portal.audit.record import Actor, record_about_user
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.functional.account_admin import ACCOUNTS, PASSWORD, count, csrf, make_accounts, signed_in
from tests.helpers import cheap_hash, hidden_fields

NEW = "sungai martapura pagi hari"


def _reset_link(app, user: User) -> str:
    issued = tokens.issue(user, tokens.RESET, timedelta(minutes=60), app.config["SECRET_KEY"])
    db.session.commit()
    return f"/staf/sandi-baru/{issued.token}"


def _use_link(app, url: str, password: str):
    client = app.test_client()
    page = client.get(url)
    if page.status_code != 200:
        return page
    fields = hidden_fields(page.data)
    data = {"csrf_token": fields["csrf_token"], "new_password": password, "confirm": password}
    return client.post(url, data=data)


# --- links: a password set another way ends every open link ---------------------------------


def test_a_reset_link_asked_for_earlier_opens_nothing_after_the_owner_changes_the_password(app):
    """Someone saw the reset e-mail (a shared inbox, a forwarded message); the owner, warned,
    changes the password on their own page. The old link must not set it again."""
    users = make_accounts()
    officer = users["agency"]
    link = _reset_link(app, officer)
    owner = signed_in(app, officer.email)
    changed = owner.post(
        "/staf/akun",
        data={
            "csrf_token": csrf(owner),
            "current_password": PASSWORD,
            "new_password": NEW,
            "confirm": NEW,
        },
    )
    assert changed.status_code == 302

    assert app.test_client().get(link).status_code == 410
    assert _use_link(app, link, "kata sandi si penyusup 99").status_code == 410
    db.session.expire_all()
    assert check_password_hash(find_by_email(officer.email).password_hash, NEW)


def test_an_invitation_opens_nothing_after_the_operator_sets_the_password(app):
    users = make_accounts()
    leader = users["leader"]
    issued = tokens.issue(leader, tokens.INVITE, timedelta(hours=72), app.config["SECRET_KEY"])
    db.session.commit()
    link = f"/staf/undangan/{issued.token}"
    assert app.test_client().get(link).status_code == 200

    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "--email", leader.email, "--password", NEW]
    )
    assert result.exit_code == 0, result.output

    assert _use_link(app, link, "kata sandi si penyusup 99").status_code == 410
    db.session.expire_all()
    assert check_password_hash(find_by_email(leader.email).password_hash, NEW)
    assert db.session.get(AccountToken, issued.row.id).used_at is not None


# --- invitations: only an address the sign-in form accepts ----------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "cli:root@kalsel.example.org",  # would read as "the command line" in the trail
        "petugas@kalsel.example.org\r\nbcc:semua@luar.example.org",  # a header line
        "pet\x00ugas@kalsel.example.org",  # PostgreSQL: a 500
        "<b>petugas</b>@kalsel.example.org",
        "petugas@kalsel",  # no domain anybody can sign in with
    ],
)
def test_an_invitation_goes_only_to_an_address_that_can_sign_in(app, email):
    make_accounts()
    admin = signed_in(app, ACCOUNTS["kalsel_admin"][0])
    before = count(User), count(OutboxMessage), count(AuditEntry)

    answer = admin.post(
        "/staf/pengguna/undang",
        data={"csrf_token": csrf(admin), "email": email, "role": "leader", "locale": "id"},
    )

    assert answer.status_code == 400
    assert "Tulis alamat e-mail yang benar." in answer.get_data(as_text=True)
    # Signing in counted one entry; the invitation added nothing anywhere.
    assert (count(User), count(OutboxMessage)) == before[:2]
    assert count(AuditEntry, AuditEntry.action == actions.ACCOUNT_INVITED) == 0


def test_the_command_line_refuses_the_same_addresses(app):
    result = app.test_cli_runner().invoke(
        args=["users", "invite", "--email", "cli:root@kalsel.example.org", "--role", "super-admin"]
    )
    assert result.exit_code != 0
    assert count(User) == 0


def test_the_account_search_drops_control_characters(app):
    make_accounts()
    admin = signed_in(app, ACCOUNTS["kalsel_admin"][0])
    found = admin.get("/staf/pengguna/", query_string={"q": "rs\x00ud@kal"})
    assert found.status_code == 200  # PostgreSQL refused the NUL: a 500
    assert "rsud@kalsel.example.org" in found.get_data(as_text=True)
    assert "poli@kalsel.example.org" not in found.get_data(as_text=True)


# --- the audit trail: an account cannot pass for the command line ---------------------------


def test_an_account_whose_address_starts_with_cli_is_shown_as_itself(app):
    make_accounts()
    odd = User(
        email="cli:root@kalsel.example.org",  # `users create` checks for an @ only
        password_hash=cheap_hash(PASSWORD),
        role="leader",
        region_id="kalsel",
        active=True,
    )
    db.session.add(odd)
    db.session.commit()
    record_about_user(actions.PREFERENCES_CHANGED, Actor.of(odd, "203.0.113.9"), odd)
    db.session.commit()

    page = signed_in(app, ACCOUNTS["super"][0]).get("/staf/jejak-audit/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "cli:root@kalsel.example.org" in text
    assert "baris perintah (cli:root@kalsel.example.org)" not in text


# --- forgot password: one answer time for every address -------------------------------------


class Stopwatch:
    """password_links' clock: real time plus whatever the view slept (not slept at all)."""

    def __init__(self):
        self.offset = 0.0
        self.first: float | None = None

    def monotonic(self) -> float:
        now = time.monotonic() + self.offset
        if self.first is None:
            self.first = now
        return now

    def sleep(self, seconds: float) -> None:
        self.offset += seconds

    def elapsed(self) -> float:
        assert self.first is not None, "the view read no clock"
        return time.monotonic() + self.offset - self.first


def test_every_forgot_answer_takes_the_same_floor(app, limited, monkeypatch):
    """Sending a link took ~4x as long as finding no account (20 ms against 5): a
    stopwatch told which addresses are staff accounts. Every accepted request now answers
    after ANSWER_SECONDS at least, whatever it found, and so does one over its limit."""
    users = make_accounts()
    set_active(users["leader"].email, False)
    limited_app = limited(RATELIMIT_PASSWORD_RESET_PER_EMAIL="1 per hour")
    typed = {
        "known": users["agency"].email,
        "unknown": "tidak.ada@kalsel.example.org",
        "disabled": users["leader"].email,
        "over the limit": users["agency"].email,  # the second request for it
    }
    for kind, email in typed.items():
        client = limited_app.test_client()
        token = hidden_fields(client.get("/staf/lupa-sandi").data)["csrf_token"]
        stopwatch = Stopwatch()
        monkeypatch.setattr(password_links, "time", stopwatch)
        answer = client.post("/staf/lupa-sandi", data={"csrf_token": token, "email": email})
        monkeypatch.undo()
        assert answer.status_code == 303, kind
        assert answer.headers["Location"] == "/staf/lupa-sandi?terkirim=1", kind
        assert stopwatch.elapsed() >= password_links.ANSWER_SECONDS, kind
    db.session.expire_all()
    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "password_reset")
    ).all()
    assert [m.recipient for m in sent] == [users["agency"].email]


def test_disabling_an_account_ends_its_open_links_for_good(app, router):
    """A reset or invitation link sent before an account was disabled must not open it after
    it is enabled again: whoever held the link might be why it was disabled."""
    user = create_user(
        router, email="dinonaktifkan@example.org", password=PASSWORD, role="leader", region="kalsel"
    )
    key = app.config["SECRET_KEY"]
    reset = tokens.issue(user, tokens.RESET, timedelta(hours=1), key)
    db.session.commit()
    set_active(user.email, False)
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.check(reset.token, tokens.RESET)
    assert refused.value.reason == "inactive"
    set_active(user.email, True)
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.check(reset.token, tokens.RESET)
    assert refused.value.reason == "used"

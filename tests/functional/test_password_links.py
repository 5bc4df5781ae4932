"""Forgot password and the pages behind the single-use links (issue 18, self-service):
the whole reset flow through a real SMTP server, the same answer for every address, the
limits, and every way a link can be refused with nothing changed."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from portal.accounts import tokens
from portal.accounts.models import AccountToken, User
from portal.accounts.services import NO_PASSWORD, create_user, set_active
from portal.audit import actions
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import utcnow
from tests.functional import test_outbox
from tests.functional.test_outbox import deliver_all

smtp = test_outbox.smtp  # the real SMTP server fixture

EMAIL = "petugas.poli@example.org"
OLD = "kata-sandi-lama-123"
NEW = "sungai martapura pagi hari"
SAME_ANSWER = "Jika alamat itu terdaftar, kami sudah mengirim tautan"


@pytest.fixture
def officer(app, router):
    return create_user(
        router,
        email=EMAIL,
        password=OLD,
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )


def csrf(client, url: str, h) -> str:
    return h.hidden_fields(client.get(url).data)["csrf_token"]


def ask_reset(client, h, email: str):
    token = csrf(client, "/staf/lupa-sandi", h)
    return client.post("/staf/lupa-sandi", data={"csrf_token": token, "email": email})


def set_password(client, h, url: str, new: str, confirm: str | None = None):
    page = client.get(url)
    fields = h.hidden_fields(page.data)
    data = {"new_password": new, "confirm": new if confirm is None else confirm}
    return client.post(url, data={"csrf_token": fields.get("csrf_token", ""), **data})


def entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.execute(stmt).scalars())


def queued(template: str) -> list[OutboxMessage]:
    db.session.expire_all()
    stmt = select(OutboxMessage).where(OutboxMessage.template == template)
    return list(db.session.execute(stmt.order_by(OutboxMessage.id)).scalars())


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    (link,) = re.findall(r"http://localhost(/staf/sandi-baru/[A-Za-z0-9_-]+)", body)
    return link


def reset_link(app, user: User, valid_for=timedelta(minutes=60)) -> tuple[str, AccountToken]:
    issued = tokens.issue(user, tokens.RESET, valid_for, app.config["SECRET_KEY"])
    db.session.commit()
    return f"/staf/sandi-baru/{issued.token}", issued.row


# --- the whole flow ---------------------------------------------------------------------------


def test_the_whole_reset_flow_through_a_real_mail_server(app, officer, h, smtp):
    other = app.test_client()  # a phone left signed in
    assert h.login(other, EMAIL, OLD).status_code == 302
    assert other.get("/staf/akun").status_code == 200

    client = app.test_client()
    login_page = client.get("/staf/masuk").get_data(as_text=True)
    assert 'href="/staf/lupa-sandi"' in login_page and "Lupa kata sandi?" in login_page
    asked = ask_reset(client, h, EMAIL.upper())  # typed in capitals: still the account
    assert asked.status_code == 303
    answer = client.get(asked.headers["Location"])
    assert SAME_ANSWER in answer.get_data(as_text=True)

    row = queued("password_reset")[0]
    assert row.recipient == EMAIL
    context = json.loads(row.context_json)
    assert set(context) == {
        "account_token_id",
        "expires_local",
        "valid_minutes",
        "requested_from",
        "forgot_link",
    }
    assert context["valid_minutes"] == 60 and context["requested_from"] == "127.0.0.1"
    # on the clock of the officer's region (Kalimantan Selatan), written as invitations are
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4} \d{2}\.\d{2} WITA", context["expires_local"])
    deliver_all()
    (mail,) = smtp.inbox.to(EMAIL)
    assert mail["Subject"] == "Tautan untuk membuat kata sandi baru akun staf Aduan Langsung"
    link = link_in(mail)
    token = link.rsplit("/", 1)[1]
    assert token not in row.context_json  # the outbox keeps the row's id, not the link

    form = client.get(link)
    assert form.status_code == 200 and EMAIL in form.get_data(as_text=True)
    done = set_password(client, h, link, NEW)
    assert done.status_code == 303 and done.headers["Location"] == "/staf/masuk"
    signin = client.get("/staf/masuk").get_data(as_text=True)
    assert "Kata sandi disimpan. Silakan masuk." in signin

    assert h.login(app.test_client(), EMAIL, OLD).status_code == 401
    assert h.login(app.test_client(), EMAIL, NEW).status_code == 302
    assert other.get("/staf/akun").status_code == 302  # the old session ended
    again = client.get(link)
    assert again.status_code == 410 and "sudah dipakai" in again.get_data(as_text=True)

    db.session.expire_all()
    user = db.session.get(User, officer.id)
    assert user.password_set_at is not None
    (requested,) = entries(actions.RESET_REQUESTED)
    assert requested.target_id == str(officer.id) and requested.address == "127.0.0.1"
    (reset,) = entries(actions.PASSWORD_RESET)
    assert reset.actor_id == officer.id and reset.unit_id == "poli-umum"
    for entry in entries(actions.RESET_REQUESTED) + entries(actions.PASSWORD_RESET):
        assert token not in entry.detail_json

    deliver_all()
    changed = [m for m in smtp.inbox.to(EMAIL) if m is not mail]
    assert [m["Subject"] for m in changed] == ["Kata sandi akun staf Aduan Langsung Anda diganti"]
    assert "lupa kata sandi" in changed[0].get_body(("plain",)).get_content()


def test_a_reset_keeps_the_second_factor(app, officer, h):
    officer.totp_secret = "sealed-secret-stand-in"
    officer.totp_confirmed_at = utcnow()
    db.session.commit()
    url, _row = reset_link(app, officer)
    assert set_password(app.test_client(), h, url, NEW).status_code == 303
    db.session.expire_all()
    user = db.session.get(User, officer.id)
    assert user.has_second_factor and user.totp_secret == "sealed-secret-stand-in"


# --- the same answer for every address --------------------------------------------------------


def test_same_answer_and_status_for_known_unknown_and_disabled(app, router, officer, h):
    create_user(router, email="mati@example.org", password=OLD, role="leader", region="kalsel")
    set_active("mati@example.org", False)
    answers = []
    for email in (EMAIL, "tidak.ada@example.org", "mati@example.org"):
        response = ask_reset(app.test_client(), h, email)
        answers.append((response.status_code, response.headers["Location"]))
    assert len(set(answers)) == 1 and answers[0][0] == 303
    assert [r.recipient for r in queued("password_reset")] == [EMAIL]
    assert len(entries(actions.RESET_REQUESTED)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(AccountToken)) == 1


def test_a_form_that_is_not_an_address_is_shown_again(app, h):
    response = ask_reset(app.test_client(), h, "bukan alamat")
    assert response.status_code == 400
    assert "Alamat e-mail tidak valid." in response.get_data(as_text=True)
    assert not queued("password_reset")


def test_a_new_reset_link_replaces_the_earlier_one(app, officer, h):
    first, _ = reset_link(app, officer)
    second, _ = reset_link(app, officer)
    replaced = app.test_client().get(first)
    assert replaced.status_code == 410 and "sudah diganti" in replaced.get_data(as_text=True)
    assert app.test_client().get(second).status_code == 200


# --- limits -----------------------------------------------------------------------------------


def test_the_per_email_limit_answers_the_same_and_sends_nothing(limited, officer, h, caplog):
    limited_app = limited(RATELIMIT_PASSWORD_RESET_PER_EMAIL="2 per hour")
    answers = []
    with caplog.at_level("INFO", logger="portal.accounts.password_links"):
        for n in range(3):  # a browser each: counted under the address typed, however cased
            typed = EMAIL if n != 1 else EMAIL.upper()
            response = ask_reset(limited_app.test_client(), h, typed)
            answers.append((response.status_code, response.headers.get("Location")))
    assert len(set(answers)) == 1 and answers[0][0] == 303
    assert len(queued("password_reset")) == 2  # the third was counted and not sent
    assert "over the per-e-mail limit" in caplog.text and EMAIL not in caplog.text
    # An unknown address counts too, and is answered the same.
    for _ in range(3):
        response = ask_reset(limited_app.test_client(), h, "tidak.ada@example.org")
        assert (response.status_code, response.headers.get("Location")) == answers[0]


def test_the_per_address_limit_refuses_with_429(limited, h):
    limited_app = limited(RATELIMIT_PASSWORD_RESET_PER_ADDRESS="2 per hour")
    client = limited_app.test_client()
    statuses = [ask_reset(client, h, f"orang{n}@example.org").status_code for n in range(3)]
    assert statuses == [303, 303, 429]
    assert client.get("/staf/lupa-sandi").status_code == 200  # the page itself stays


# --- refused links ----------------------------------------------------------------------------


def _unchanged(officer_id: int) -> None:
    db.session.expire_all()
    user = db.session.get(User, officer_id)
    assert check_password_hash(user.password_hash, OLD)
    assert user.password_set_at == user.created_at  # the password the account was made with
    assert not entries(actions.PASSWORD_RESET)


def test_an_expired_link_is_410_and_changes_nothing(app, officer, h):
    url, row = reset_link(app, officer)
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 410 and "kedaluwarsa" in page.get_data(as_text=True)
    assert "Minta tautan baru" in page.get_data(as_text=True)
    token = csrf(client, "/staf/lupa-sandi", h)
    posted = client.post(url, data={"csrf_token": token, "new_password": NEW, "confirm": NEW})
    assert posted.status_code == 410
    _unchanged(officer.id)


def test_a_link_expires_at_its_frozen_moment(app, officer):
    issued = tokens.issue(officer, tokens.RESET, timedelta(minutes=60), app.config["SECRET_KEY"])
    db.session.commit()
    later = issued.expires_at + timedelta(seconds=1)
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.check(issued.token, tokens.RESET, now=later)
    assert refused.value.reason == "expired"


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,  # the right shape, never issued (forged)
        "x" * 200,  # overlong: refused before the database is asked
        "%00",
        "bukan-token",
    ],
)
def test_unknown_and_overlong_links_are_404(app, officer, h, token):
    client = app.test_client()
    page = client.get(f"/staf/sandi-baru/{token}")
    assert page.status_code == 404
    assert "tidak dikenal" in page.get_data(as_text=True)
    assert client.get(f"/staf/undangan/{token}").status_code == 404
    _unchanged(officer.id)


def test_a_link_of_the_other_purpose_is_unknown(app, officer):
    url, _ = reset_link(app, officer)
    assert app.test_client().get(url.replace("sandi-baru", "undangan")).status_code == 404


def test_a_link_of_a_disabled_account_is_refused(app, officer, h):
    url, _ = reset_link(app, officer)
    set_active(EMAIL, False)
    page = app.test_client().get(url)
    assert page.status_code == 410 and "dinonaktifkan" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("new", "confirm", "message"),
    [
        ("pendek", None, "Kata sandi terlalu pendek"),
        ("Password1234", None, "paling sering dipakai"),
        ("zzzzzzzzzzzzzzzz", None, "diulang-ulang"),
        ("petugas.poli@example.org", None, "alamat e-mail"),
        (NEW, "lain sekali kata sandinya", "Kedua kata sandi baru tidak sama."),
    ],
)
def test_a_weak_password_changes_nothing_and_keeps_the_link(app, officer, h, new, confirm, message):
    url, _ = reset_link(app, officer)
    client = app.test_client()
    refused = set_password(client, h, url, new, confirm)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    _unchanged(officer.id)
    assert set_password(client, h, url, NEW).status_code == 303  # the link still works


def test_a_double_submit_gets_the_used_page_not_an_error(app, officer, h):
    url, _ = reset_link(app, officer)
    client = app.test_client()
    fields = h.hidden_fields(client.get(url).data)
    form = {"csrf_token": fields["csrf_token"], "new_password": NEW, "confirm": NEW}
    first = client.post(url, data=form)
    second = client.post(url, data=form)
    assert first.status_code == 303
    assert second.status_code == 410 and "sudah dipakai" in second.get_data(as_text=True)
    assert len(entries(actions.PASSWORD_RESET)) == 1


def test_the_loser_of_a_race_is_refused_by_the_atomic_use(app, officer):
    """Both requests passed the check; the conditional update lets one through."""
    from portal.accounts.self_service import set_password_by_link

    issued = tokens.issue(officer, tokens.RESET, timedelta(minutes=60), app.config["SECRET_KEY"])
    db.session.commit()
    tokens.check(issued.token, tokens.RESET)  # the loser's check, before the winner
    set_password_by_link(issued.token, tokens.RESET, NEW, "10.0.0.1")
    with pytest.raises(tokens.TokenRefused) as refused:
        set_password_by_link(issued.token, tokens.RESET, "lain lagi kata sandinya", "10.0.0.2")
    assert refused.value.reason == "used"


# --- invitations ------------------------------------------------------------------------------


def _invited(app, router, email: str = "baru@example.org") -> tuple[User, str]:
    """An invited account as the account pages make it: no password, an INVITE link."""
    user = User(
        email=email,
        password_hash=NO_PASSWORD,
        role="unit-officer",
        region_id="kalsel",
        agency_id="rsud-ulin",
        unit_id="poli-umum",
        active=True,
        invited_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    hours = app.config["INVITATION_VALID_HOURS"]
    issued = tokens.issue(user, tokens.INVITE, timedelta(hours=hours), app.config["SECRET_KEY"])
    db.session.commit()
    return user, f"/staf/undangan/{issued.token}"


def test_accepting_an_invitation_sets_the_first_password(app, router, h, smtp):
    user, url = _invited(app, router)
    assert h.login(app.test_client(), user.email, NEW).status_code == 401
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 200
    assert "Buat kata sandi akun staf" in page.get_data(as_text=True)
    saved = set_password(client, h, url, NEW)
    assert saved.status_code == 303 and saved.headers["Location"] == "/staf/masuk"
    signin = client.get("/staf/masuk").get_data(as_text=True)
    # Good news reads as such: green "ok", not the red box of a refused sign-in.
    assert (
        '<div class="ok" role="status" id="sign-in-notice">Kata sandi disimpan. Silakan masuk.'
        in signin
    )
    assert h.login(app.test_client(), user.email, NEW).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).invitation_pending
    (accepted,) = entries(actions.INVITATION_ACCEPTED)
    assert accepted.actor_id == user.id
    assert not entries(actions.PASSWORD_RESET)
    assert not queued("password_changed")  # a first password is no change to warn of
    used = client.get(url)
    assert used.status_code == 410 and "undangan baru" in used.get_data(as_text=True)


def test_a_disabled_invited_account_cannot_use_its_invitation(app, router, h):
    user, url = _invited(app, router)
    set_active(user.email, False)
    page = app.test_client().get(url)
    assert page.status_code == 410


def test_a_reset_request_for_a_disabled_account_sends_nothing_even_later(app, officer, h):
    set_active(EMAIL, False)
    assert ask_reset(app.test_client(), h, EMAIL).status_code == 303
    assert not queued("password_reset") and not entries(actions.RESET_REQUESTED)


def test_the_reset_mail_is_in_the_accounts_language(app, officer, h, smtp):
    officer.locale = "en"
    db.session.commit()
    assert ask_reset(app.test_client(), h, EMAIL).status_code == 303
    (row,) = queued("password_reset")
    assert row.locale == "en"
    deliver_all()
    (mail,) = smtp.inbox.to(EMAIL)
    assert (
        mail["Subject"] == "A link to choose a new password for your Aduan Langsung staff account"
    )
    body = mail.get_body(("plain",)).get_content()
    assert "works for 60 minutes" in body and "two-step verification stays on" in body
    assert "/staf/sandi-baru/" in body


def test_a_reset_lifts_the_lock_on_the_accounts_email(app, officer, h):
    """Someone forgot their password and tried five times: the reset is the way back in."""
    for _ in range(5):
        h.login(app.test_client(), EMAIL, "salah-terus-menerus")
    assert h.login(app.test_client(), EMAIL, OLD).status_code == 429  # locked
    url, _ = reset_link(app, officer)
    assert set_password(app.test_client(), h, url, NEW).status_code == 303
    assert h.login(app.test_client(), EMAIL, NEW).status_code == 302

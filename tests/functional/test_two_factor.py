"""Two-step sign-in through the pages: codes computed with pyotp for the test's clock, which
the services read (moved by hand, never slept on)."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pyotp
import pytest
from flask import url_for
from sqlalchemy import select

from portal.accounts import pending, second_factor, services, totp, two_factor
from portal.accounts.models import LoginThrottle, RecoveryCode, User
from portal.accounts.services import create_user
from portal.audit import actions
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.timeutil import utcnow
from tests.functional.test_security_headers import arguments
from tests.helpers import cheap_hash, hidden_fields

PASSWORD = "kata-sandi-uji-123"
OFFICER = "petugas.ulin@example.org"
ADMIN = "admin.kalsel@example.org"
SUPER = "super@example.org"
LOCKED = "Terlalu banyak percobaan masuk yang gagal"
CODE_STEP = "/staf/masuk/kode"
SETUP = "/staf/akun/dua-langkah"
SECRET_TEXT = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')
SHOWN_CODES = re.compile(r"<li><code>([0-9A-Z]{4}-[0-9A-Z]{4})</code></li>")


@pytest.fixture
def clock(monkeypatch):
    """One clock for the sign-in, the code step and the pending marker."""
    now = {"t": utcnow().replace(microsecond=0)}
    for module in (services, two_factor, pending):
        monkeypatch.setattr(module, "utcnow", lambda: now["t"])
    return now


@pytest.fixture
def people(app, router, monkeypatch):
    monkeypatch.setattr(services, "_DUMMY_HASH", cheap_hash("not-a-real-password"))
    made = {
        OFFICER: create_user(
            router,
            email=OFFICER,
            password=PASSWORD,
            role="unit-officer",
            agency="rsud-ulin",
            unit="poli-umum",
        ),
        ADMIN: create_user(
            router, email=ADMIN, password=PASSWORD, role="regional-admin", region="kalsel"
        ),
        SUPER: create_user(router, email=SUPER, password=PASSWORD, role="super-admin"),
    }
    for user in made.values():
        user.password_hash = cheap_hash(PASSWORD)
    db.session.commit()
    return made


@pytest.fixture
def required(app):
    """REQUIRE_2FA_FOR_ADMINS on for one test."""
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    yield
    app.config["REQUIRE_2FA_FOR_ADMINS"] = False


def browser(app, address: str = "203.0.113.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def password_step(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    page = client.get("/staf/masuk")
    fields = hidden_fields(page.data)
    query = {"next": next_url} if next_url else {}
    return client.post(
        "/staf/masuk",
        query_string=query,
        data={"csrf_token": fields["csrf_token"], "email": email, "password": password},
    )


def code_step(client, code: str):
    page = client.get(CODE_STEP)
    assert page.status_code == 200, page.status_code
    fields = hidden_fields(page.data)
    return client.post(CODE_STEP, data={"csrf_token": fields["csrf_token"], "code": code})


def app_code(secret: str, clock) -> str:
    """What the person's authenticator app shows now."""
    return pyotp.TOTP(secret).at(clock["t"])


def turn_on(client, clock) -> tuple[str, list[str]]:
    """Set up the authenticator on the setup page, as the person does: read the secret off
    the page, type the app's code. Returns the secret and the recovery codes shown."""
    page = client.get(SETUP)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    secret = SECRET_TEXT.search(text)[1].replace(" ", "")
    fields = hidden_fields(page.data)
    shown = client.post(
        SETUP,
        data={
            "csrf_token": fields["csrf_token"],
            "current_password": PASSWORD,  # ignored at an admin's enrolment, needed signed in
            "code": app_code(secret, clock),
        },
    )
    assert shown.status_code == 200, shown.status_code
    codes = SHOWN_CODES.findall(shown.get_data(as_text=True))
    assert len(codes) == 10
    clock["t"] += timedelta(seconds=30)  # the app's next code
    return secret, codes


def signed_in_with_2fa(app, clock, email: str = OFFICER) -> tuple:
    """A browser signed in with a password, which then turns two-step sign-in on."""
    client = browser(app)
    assert password_step(client, email).status_code == 302
    secret, codes = turn_on(client, clock)
    return client, secret, codes


def sign_in_fully(app, clock, email: str, secret: str, address: str = "203.0.113.7"):
    client = browser(app, address)
    assert password_step(client, email).headers["Location"] == CODE_STEP
    assert code_step(client, app_code(secret, clock)).status_code == 302
    clock["t"] += timedelta(seconds=30)
    return client


def is_signed_in(client) -> bool:
    return client.get("/staf/antrian").status_code == 200


def entries(*names: str) -> list[AuditEntry]:
    db.session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if names:
        stmt = stmt.where(AuditEntry.action.in_(names))
    return list(db.session.execute(stmt).scalars())


def fresh(email: str) -> User:
    db.session.expire_all()
    return services.find_by_email(email)


# --- without a second factor nothing changes ---------------------------------------------


def test_without_a_second_factor_the_password_signs_in(app, people, clock):
    client = browser(app)
    answer = password_step(client, OFFICER)
    assert answer.status_code == 302 and answer.headers["Location"] == "/staf/antrian"
    assert is_signed_in(client)


def test_the_sign_in_form_has_one_email_and_one_password_field(app, people):
    html = browser(app).get("/staf/masuk").get_data(as_text=True)
    inputs = re.findall(r"<input[^>]*>", html)
    shown = [i for i in inputs if 'type="hidden"' not in i]
    assert len(shown) == 2
    assert 'type="email"' in shown[0] and 'name="email"' in shown[0]
    assert 'type="password"' in shown[1] and 'name="password"' in shown[1]


# --- the code step ---------------------------------------------------------------------------


def test_password_then_code_signs_in_and_keeps_next(app, people, clock):
    _client, secret, _codes = signed_in_with_2fa(app, clock)
    before = len(entries(actions.SIGN_IN))
    client = browser(app)
    answer = password_step(client, OFFICER, next_url="/staf/akun")
    assert answer.status_code == 302 and answer.headers["Location"] == CODE_STEP
    assert not is_signed_in(client)  # the password alone is not a sign-in
    assert client.get("/staf/akun").status_code == 302
    assert len(entries(actions.SIGN_IN)) == before  # nothing recorded yet

    page = client.get(CODE_STEP)
    html = page.get_data(as_text=True)
    shown = [i for i in re.findall(r"<input[^>]*>", html) if 'type="hidden"' not in i]
    assert len(shown) == 1 and 'name="code"' in shown[0]
    assert 'autocomplete="one-time-code"' in shown[0] and 'inputmode="numeric"' in shown[0]

    fields = hidden_fields(page.data)
    done = client.post(
        CODE_STEP, data={"csrf_token": fields["csrf_token"], "code": app_code(secret, clock)}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/staf/akun"
    assert is_signed_in(client)
    signed = entries(actions.SIGN_IN)
    assert len(signed) == before + 1 and signed[-1].target_label == OFFICER
    assert fresh(OFFICER).totp_last_step == totp.step_at(clock["t"])


def test_the_code_page_without_a_password_step_sends_to_sign_in(app, people):
    client = browser(app)
    answer = client.get(CODE_STEP)
    assert answer.status_code == 302 and answer.headers["Location"] == "/staf/masuk"
    page = client.get("/staf/masuk").get_data(as_text=True)
    assert "Silakan masuk lagi" in page
    posted = client.post(CODE_STEP, data={"code": "123456"})
    assert posted.status_code in (302, 400)  # no CSRF token: refused either way
    assert not is_signed_in(client)


def test_a_code_typed_with_spaces_is_accepted(app, people, clock):
    _client, secret, _codes = signed_in_with_2fa(app, clock)
    client = browser(app)
    password_step(client, OFFICER)
    code = app_code(secret, clock)
    assert code_step(client, f" {code[:3]} {code[3:]} ").status_code == 302
    assert is_signed_in(client)


def test_wrong_codes_count_on_the_sign_in_throttle_up_to_the_lock(app, people, clock):
    _client, secret, _codes = signed_in_with_2fa(app, clock)
    client = browser(app)
    assert password_step(client, OFFICER).status_code == 302
    right = app_code(secret, clock)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        answer = code_step(client, wrong)
        assert answer.status_code == 401
        assert "Kode salah atau sudah pernah dipakai." in answer.get_data(as_text=True)
    fifth = code_step(client, wrong)
    assert fifth.status_code == 429 and fifth.headers["Retry-After"] == "900"
    assert LOCKED in fifth.get_data(as_text=True)
    # Locked: the right code waits too, and is not used up by the refusal.
    locked = code_step(client, right)
    assert locked.status_code == 429 and not is_signed_in(client)
    assert fresh(OFFICER).totp_last_step < totp.step_at(clock["t"])
    # So does the password step, from any address.
    assert password_step(browser(app, "198.51.100.9"), OFFICER).status_code == 429
    assert len(entries(actions.SECOND_FACTOR_FAILED)) == 5
    assert [e.target_label for e in entries(actions.SIGN_IN_LOCKED)] == [OFFICER]
    failed = entries(actions.SECOND_FACTOR_FAILED)[0]
    assert failed.actor_id is None and failed.address == "203.0.113.7"
    assert right not in failed.detail_json and wrong not in failed.detail_json

    clock["t"] += timedelta(minutes=15)
    client = browser(app)
    assert password_step(client, OFFICER).status_code == 302
    assert code_step(client, app_code(secret, clock)).status_code == 302


def test_typing_the_password_again_buys_no_fresh_code_guesses(app, people, clock):
    _client, _secret, _codes = signed_in_with_2fa(app, clock)
    client = browser(app)
    for _ in range(2):
        assert password_step(client, OFFICER).status_code == 302
        assert code_step(client, "000000").status_code == 401
        assert code_step(client, "999999").status_code == 401
    assert password_step(client, OFFICER).status_code == 302
    assert code_step(client, "000001").status_code == 429


def test_a_code_is_good_once_within_its_window(app, people, clock):
    _client, secret, _codes = signed_in_with_2fa(app, clock)
    code = app_code(secret, clock)
    first = browser(app)
    password_step(first, OFFICER)
    assert code_step(first, code).status_code == 302

    clock["t"] += timedelta(seconds=10)  # the same code is still on the phone's screen
    second = browser(app, "198.51.100.20")
    password_step(second, OFFICER)
    again = code_step(second, code)
    assert again.status_code == 401 and not is_signed_in(second)
    assert entries(actions.SECOND_FACTOR_FAILED)[-1].target_label == OFFICER

    clock["t"] += timedelta(seconds=30)  # the app's next code works
    assert code_step(second, app_code(secret, clock)).status_code == 302


def test_two_requests_with_one_code_cannot_both_pass(app, people, clock):
    _client, secret, _codes = signed_in_with_2fa(app, clock)
    code = app_code(secret, clock)
    ready = []
    for address in ("198.51.100.31", "198.51.100.32", "198.51.100.33"):
        client = browser(app, address)
        password_step(client, OFFICER)
        ready.append((client, hidden_fields(client.get(CODE_STEP).data)["csrf_token"]))

    def send(item):
        client, token = item
        with app.app_context():
            answer = client.post(CODE_STEP, data={"csrf_token": token, "code": code})
            db.session.remove()
            return answer.status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        statuses = sorted(pool.map(send, ready))
    assert statuses == [302, 401, 401]


def test_the_pending_step_expires_after_five_minutes(app, people, clock):
    _client, secret, _codes = signed_in_with_2fa(app, clock)
    client = browser(app)
    password_step(client, OFFICER)
    clock["t"] += timedelta(minutes=4, seconds=59)
    token = hidden_fields(client.get(CODE_STEP).data)["csrf_token"]  # still waiting
    clock["t"] += timedelta(seconds=2)
    late = client.post(CODE_STEP, data={"csrf_token": token, "code": app_code(secret, clock)})
    assert late.status_code == 302 and late.headers["Location"] == "/staf/masuk"
    assert "Silakan masuk lagi" in client.get("/staf/masuk").get_data(as_text=True)
    assert not is_signed_in(client)
    assert client.get(CODE_STEP).status_code == 302  # the marker is gone, not just old
    assert fresh(OFFICER).totp_last_step < totp.step_at(clock["t"])  # the code was not used


def test_a_pending_step_from_before_a_reset_opens_nothing(app, people, clock):
    _client, secret, _codes = signed_in_with_2fa(app, clock)
    client = browser(app)
    password_step(client, OFFICER)
    token = hidden_fields(client.get(CODE_STEP).data)["csrf_token"]
    services.sign_out_everywhere(OFFICER)  # e.g. the operator ends every session
    answer = client.post(CODE_STEP, data={"csrf_token": token, "code": app_code(secret, clock)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/staf/masuk"
    assert not is_signed_in(client)


# --- recovery codes ------------------------------------------------------------------------


def test_each_recovery_code_signs_in_once(app, people, clock):
    _client, _secret, codes = signed_in_with_2fa(app, clock)
    stored = db.session.execute(select(RecoveryCode.code_hash)).scalars().all()
    assert len(stored) == 10
    assert not any(c.replace("-", "") in h for c in codes for h in stored)

    client = browser(app)
    password_step(client, OFFICER)
    typed = codes[0].lower().replace("-", " ")  # as a hurried hand types it
    assert code_step(client, typed).status_code == 302
    queue = client.get("/staf/antrian").get_data(as_text=True)
    assert "Tersisa 9 kode pemulihan" in queue
    used = entries(actions.RECOVERY_CODE_USED)
    assert len(used) == 1 and json.loads(used[0].detail_json) == {"left": 9}
    assert codes[0] not in used[0].detail_json

    again = browser(app, "198.51.100.40")
    password_step(again, OFFICER)
    assert code_step(again, codes[0]).status_code == 401  # used
    for n, code in enumerate(codes[1:], start=1):
        client = browser(app, f"198.51.100.{50 + n}")
        password_step(client, OFFICER)
        assert code_step(client, code).status_code == 302, code
    assert "kode pemulihan terakhir" in client.get("/staf/antrian").get_data(as_text=True)
    assert len(entries(actions.RECOVERY_CODE_USED)) == 10


def test_another_accounts_recovery_code_does_not_work(app, people, clock):
    _client, _secret, officer_codes = signed_in_with_2fa(app, clock, OFFICER)
    signed_in_with_2fa(app, clock, SUPER)
    client = browser(app)
    password_step(client, SUPER)
    assert code_step(client, officer_codes[0]).status_code == 401


def test_recovery_mode_shows_a_text_keyboard(app, people, clock):
    signed_in_with_2fa(app, clock)
    client = browser(app)
    password_step(client, OFFICER)
    html = client.get(CODE_STEP + "?pemulihan=1").get_data(as_text=True)
    shown = [i for i in re.findall(r"<input[^>]*>", html) if 'type="hidden"' not in i]
    assert len(shown) == 1 and 'name="code"' in shown[0] and "inputmode" not in shown[0]
    assert "Kode pemulihan" in html


def test_renewing_recovery_codes_needs_a_current_code(app, people, clock):
    client, secret, old_codes = signed_in_with_2fa(app, clock)
    page = client.get(SETUP)
    assert page.status_code == 200 and "Kode pemulihan yang belum dipakai: 10." in page.get_data(
        as_text=True
    )
    token = hidden_fields(page.data)["csrf_token"]
    wrong = client.post(
        "/staf/akun/dua-langkah/kode-pemulihan", data={"csrf_token": token, "renew_code": "000000"}
    )
    assert wrong.status_code == 400 and entries(actions.RECOVERY_CODES_RENEWED) == []
    renewed = client.post(
        "/staf/akun/dua-langkah/kode-pemulihan",
        data={"csrf_token": token, "renew_code": app_code(secret, clock)},
    )
    assert renewed.status_code == 200
    new_codes = SHOWN_CODES.findall(renewed.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert len(entries(actions.RECOVERY_CODES_RENEWED)) == 1
    other = browser(app, "198.51.100.60")
    password_step(other, OFFICER)
    assert code_step(other, old_codes[1]).status_code == 401
    assert code_step(other, new_codes[1]).status_code == 302


# --- setting it up -------------------------------------------------------------------------


def test_the_setup_page_shows_a_qr_code_and_keeps_the_secret_sealed(app, people, clock):
    client = browser(app)
    password_step(client, OFFICER)
    page = client.get(SETUP)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg role="img" aria-label="Kode QR untuk aplikasi autentikator"' in html
    assert "<script" not in html and " style=" not in html
    secret = SECRET_TEXT.search(html)[1].replace(" ", "")
    assert len(secret) == 32
    # Not stored before it is confirmed, and the session cookie holds it only sealed.
    assert fresh(OFFICER).totp_secret is None
    cookie = client.get_cookie("session").value
    assert secret not in cookie and secret not in _decoded_session(cookie)
    # A reload shows the same secret (the app already scanned it).
    assert (
        SECRET_TEXT.search(client.get(SETUP).get_data(as_text=True))[1].replace(" ", "") == secret
    )

    token = hidden_fields(page.data)["csrf_token"]
    proof = {"csrf_token": token, "current_password": PASSWORD}
    wrong = client.post(SETUP, data={**proof, "code": "000000"})
    assert wrong.status_code == 400 and "Kode tidak cocok" in wrong.get_data(as_text=True)
    assert not fresh(OFFICER).has_second_factor
    shown = client.post(SETUP, data={**proof, "code": app_code(secret, clock)})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "hanya ditampilkan sekali" in text
    user = fresh(OFFICER)
    assert user.has_second_factor and secret not in user.totp_secret
    assert totp.unseal(app.config["SECRET_KEY"], user.totp_secret) == secret
    with pytest.raises(totp.SealBroken):
        totp.unseal("a-database-copy-without-the-key", user.totp_secret)
    assert [e.target_label for e in entries(actions.TWO_FACTOR_ENABLED)] == [OFFICER]
    assert is_signed_in(client)  # this browser stays signed in
    assert "Kode pemulihan yang belum dipakai: 10." in client.get(SETUP).get_data(as_text=True)


def _decoded_session(cookie: str) -> str:
    import base64
    import zlib

    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if cookie.startswith(".") else raw).decode()


def test_turning_it_on_ends_every_other_session(app, people, clock):
    other = browser(app, "198.51.100.70")
    assert password_step(other, OFFICER).status_code == 302 and is_signed_in(other)
    client, _secret, _codes = signed_in_with_2fa(app, clock)
    assert not is_signed_in(other)
    assert is_signed_in(client)


def test_the_setup_page_needs_a_sign_in(app, people):
    client = browser(app)
    answer = client.get(SETUP)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/staf/masuk")


# --- required for admins -------------------------------------------------------------------


@pytest.mark.parametrize("email", [ADMIN, SUPER])
def test_with_the_flag_an_admin_sets_up_before_signing_in(app, people, clock, required, email):
    client = browser(app)
    answer = password_step(client, email, next_url="/staf/akun")
    assert answer.status_code == 302 and answer.headers["Location"] == SETUP
    page = client.get(SETUP)
    assert page.status_code == 200 and 'id="enrolment-pending"' in page.get_data(as_text=True)
    assert 'class="card staff-nav"' not in page.get_data(as_text=True)
    # Not signed in: every other staff page sends to the sign-in page.
    for path in ("/staf/antrian", "/staf/akun", CODE_STEP):
        assert client.get(path).status_code == 302
    assert client.get(SETUP).status_code == 200  # the marker survived those visits
    assert entries(actions.SIGN_IN) == []

    secret = SECRET_TEXT.search(page.get_data(as_text=True))[1].replace(" ", "")
    token = hidden_fields(page.data)["csrf_token"]
    shown = client.post(SETUP, data={"csrf_token": token, "code": app_code(secret, clock)})
    assert shown.status_code == 200
    assert 'href="/staf/akun"' in shown.get_data(as_text=True)  # "lanjutkan" keeps next
    assert is_signed_in(client)
    assert [e.action for e in entries(actions.SIGN_IN, actions.TWO_FACTOR_ENABLED)] == [
        actions.TWO_FACTOR_ENABLED,
        actions.SIGN_IN,
    ]
    clock["t"] += timedelta(seconds=30)
    sign_in_fully(app, clock, email, secret, "198.51.100.80")


def test_without_the_flag_an_admin_signs_in_with_the_password(app, people, clock):
    assert not app.config["REQUIRE_2FA_FOR_ADMINS"]
    client = browser(app)
    assert password_step(client, ADMIN).headers["Location"] == "/staf/antrian"
    assert is_signed_in(client)


def test_the_enrolment_wait_expires(app, people, clock, required):
    client = browser(app)
    password_step(client, ADMIN)
    assert client.get(SETUP).status_code == 200
    clock["t"] += timedelta(minutes=15, seconds=1)
    assert client.get(SETUP).headers["Location"].startswith("/staf/masuk")


def test_officers_are_not_made_to_enrol(app, people, clock, required):
    client = browser(app)
    assert password_step(client, OFFICER).headers["Location"] == "/staf/antrian"
    assert is_signed_in(client)


def _staff_get_urls(app, case_code: str) -> list[str]:
    values = arguments(app, case_code, "t" * 32, "payload")
    urls = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.rule.startswith("/staf") or "GET" not in rule.methods:
                continue
            urls.append(url_for(rule.endpoint, **{n: values[n] for n in rule.arguments}))
    return urls


def test_an_admin_signed_in_before_the_flag_is_sent_to_set_up_from_every_staff_page(
    app, people, clock
):
    client = browser(app)
    assert password_step(client, ADMIN).status_code == 302  # the flag is off
    officer = browser(app, "198.51.100.90")
    assert password_step(officer, OFFICER).status_code == 302
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    try:
        exempt = {CODE_STEP, SETUP, "/staf/masuk"}
        walked = []
        for url in _staff_get_urls(app, "KSL-AAAAAA"):
            if url in exempt or url.startswith(
                ("/staf/undangan/", "/staf/sandi-baru/", "/staf/lupa-sandi")
            ):
                continue
            answer = client.get(url)
            walked.append(url)
            assert answer.status_code == 302, (url, answer.status_code)
            assert answer.headers["Location"] == SETUP, url
        assert "/staf/antrian" in walked and "/staf/akun" in walked and len(walked) > 20
        assert client.get(SETUP).status_code == 200
        assert client.get("/static/app.css").status_code == 200
        assert officer.get("/staf/antrian").status_code == 200  # not an admin: not stopped
        _secret, _codes = turn_on(client, clock)
        assert client.get("/staf/antrian").status_code == 200
        token = hidden_fields(client.get("/staf/akun").data)["csrf_token"]
        assert client.post("/staf/keluar", data={"csrf_token": token}).status_code == 302
    finally:
        app.config["REQUIRE_2FA_FOR_ADMINS"] = False


def test_an_admin_waiting_to_enrol_may_still_sign_out(app, people, clock, required):
    client = browser(app)
    password_step(client, ADMIN)
    app.config["REQUIRE_2FA_FOR_ADMINS"] = False
    assert password_step(client, ADMIN).status_code == 302 and is_signed_in(client)
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    assert client.get("/staf/antrian").headers["Location"] == SETUP
    token = hidden_fields(client.get(SETUP).data)["csrf_token"]
    out = client.post("/staf/keluar", data={"csrf_token": token})
    assert out.status_code == 302 and out.headers["Location"] == "/staf/masuk"
    assert client.get("/staf/antrian").headers["Location"].startswith("/staf/masuk")


# --- turning it off, and an admin's reset ------------------------------------------------


def _turn_off(client, proof: str):
    token = hidden_fields(client.get(SETUP).data)["csrf_token"]
    return client.post("/staf/akun/dua-langkah/matikan", data={"csrf_token": token, "proof": proof})


def test_turning_it_off_needs_the_password_or_a_code(app, people, clock):
    client, secret, _codes = signed_in_with_2fa(app, clock)
    copied = client.get_cookie("session").value
    wrong = _turn_off(client, "bukan-kata-sandinya")
    assert wrong.status_code == 400 and fresh(OFFICER).has_second_factor
    assert "Kata sandi atau kode salah." in wrong.get_data(as_text=True)
    assert _turn_off(client, "000000").status_code == 400
    off = _turn_off(client, PASSWORD)
    assert off.status_code == 303 and off.headers["Location"] == SETUP
    user = fresh(OFFICER)
    assert not user.has_second_factor and user.totp_secret is None
    assert db.session.execute(select(RecoveryCode)).first() is None
    assert [e.target_label for e in entries(actions.TWO_FACTOR_DISABLED)] == [OFFICER]
    assert is_signed_in(client)  # this browser stays signed in
    thief = browser(app, "192.0.2.1")
    thief.set_cookie("session", copied)
    assert not is_signed_in(thief)  # a cookie copied before is not
    other = browser(app, "198.51.100.91")
    assert password_step(other, OFFICER).headers["Location"] == "/staf/antrian"

    secret, _codes = turn_on(client, clock)
    assert _turn_off(client, app_code(secret, clock)).status_code == 303  # a code works too
    assert len(entries(actions.TWO_FACTOR_DISABLED)) == 2


def test_wrong_proofs_for_turning_off_are_counted(app, people, clock):
    client, _secret, _codes = signed_in_with_2fa(app, clock)
    for _ in range(4):
        assert _turn_off(client, "bukan-kata-sandinya").status_code == 400
    locked = _turn_off(client, "bukan-kata-sandinya")
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert _turn_off(client, PASSWORD).status_code == 429
    assert fresh(OFFICER).has_second_factor


def test_admins_may_not_turn_it_off_while_it_is_required(app, people, clock):
    client, _secret, _codes = signed_in_with_2fa(app, clock, ADMIN)
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    try:
        page = client.get(SETUP).get_data(as_text=True)
        assert 'id="turn-off"' not in page and 'id="turn-off-refused"' in page
        token = hidden_fields(client.get("/staf/akun").data)["csrf_token"]
        refused = client.post(
            "/staf/akun/dua-langkah/matikan", data={"csrf_token": token, "proof": PASSWORD}
        )
        assert refused.status_code == 403 and fresh(ADMIN).has_second_factor
        assert entries(actions.TWO_FACTOR_DISABLED) == []
    finally:
        app.config["REQUIRE_2FA_FOR_ADMINS"] = False
    assert _turn_off(client, PASSWORD).status_code == 303  # flag off: allowed
    assert not fresh(ADMIN).has_second_factor


def test_an_admins_reset_lets_the_officer_sign_in_with_the_password(app, people, clock):
    client, secret, _codes = signed_in_with_2fa(app, clock)
    signed_in = sign_in_fully(app, clock, OFFICER, secret, "198.51.100.92")
    second_factor.remove(fresh(OFFICER))  # what the account page's reset does
    db.session.commit()
    assert not is_signed_in(client) and not is_signed_in(signed_in)  # every session ended
    again = browser(app, "198.51.100.93")
    assert password_step(again, OFFICER).headers["Location"] == "/staf/antrian"
    assert is_signed_in(again)
    secret, _codes = turn_on(again, clock)  # and may set up a new phone
    sign_in_fully(app, clock, OFFICER, secret, "198.51.100.94")


def test_after_a_reset_an_admin_enrols_again_under_the_flag(app, people, clock, required):
    client = browser(app)
    password_step(client, ADMIN)
    secret, _codes = turn_on(client, clock)
    second_factor.remove(fresh(ADMIN))
    db.session.commit()
    assert not is_signed_in(client)
    again = browser(app, "198.51.100.95")
    assert password_step(again, ADMIN).headers["Location"] == SETUP
    assert not is_signed_in(again)
    new_secret, _codes = turn_on(again, clock)
    assert new_secret != secret and is_signed_in(again)


def test_a_signed_in_session_cannot_put_another_phone_on_the_account_without_the_password(
    app, people, clock
):
    """A session left open on a shared computer (or a copied cookie) must not lock the owner
    out by setting up its own authenticator: the password comes with the first code, and a
    wrong one counts on the sign-in throttle."""
    client = browser(app)
    assert password_step(client, OFFICER).status_code == 302
    page = client.get(SETUP)
    secret = SECRET_TEXT.search(page.get_data(as_text=True))[1].replace(" ", "")
    token = hidden_fields(page.data)["csrf_token"]
    for typed in ("", "bukan-kata-sandinya-1"):
        refused = client.post(
            SETUP,
            data={"csrf_token": token, "current_password": typed, "code": app_code(secret, clock)},
        )
        assert refused.status_code == 400
        assert "Kata sandi sekarang salah." in refused.get_data(as_text=True)
    db.session.expire_all()
    officer = db.session.get(User, people[OFFICER].id)
    assert not officer.has_second_factor
    assert db.session.get(LoginThrottle, f"email:{OFFICER}").failures == 2
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == actions.TWO_FACTOR_ENABLED)
    ).all()
    secret, codes = turn_on(client, clock)  # with the password: on
    db.session.expire_all()
    assert db.session.get(User, people[OFFICER].id).has_second_factor and len(codes) == 10

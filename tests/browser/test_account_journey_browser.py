"""The staff account journey of issue 18 in a real Chromium on a 360 px phone, with the
e-mails going through a real SMTP server (aiosmtpd): a regional admin of Kalimantan Selatan
(who must set up an authenticator at sign-in) invites a unit officer; the officer takes the
link from the e-mail into a fresh browser, chooses a password, signs in, turns two-step
sign-in on and signs in again with password and code; the admin then sees the officer in
the list and every step in the audit trail. And the forgotten password: the link from the
e-mail sets a new password, the old one stops working, the new one and a code work.

Codes are computed with pyotp from the secret read off the setup page. Each code is good
once and the app accepts the step before and after the current one (portal/accounts/totp.py),
so the code after a confirmed one is the next step's (`totp.at(now + 30)`): no waiting."""

from __future__ import annotations

import re

import pyotp
import pytest

from portal.accounts import totp, two_factor
from portal.accounts.services import create_user, find_by_email
from portal.extensions import db
from portal.timeutil import utcnow
from tests.functional import test_outbox

pytestmark = pytest.mark.browser

smtp = test_outbox.smtp  # the real SMTP server fixture
deliver_all = test_outbox.deliver_all

ADMIN, ADMIN_PASSWORD = "admin.wilayah@kalselprov.example.org", "banjarmasin kota seribu sungai"
OFFICER = "poli.ulin@kalselprov.example.org"
FIRST, WEAK = "jukung di sungai martapura", "ulin2026"
NEW = "pasar terapung lok baintan"
QUEUE = re.compile("^Antrean laporan")


@pytest.fixture
def journey_app(app, live_server, smtp):
    """This app as production runs it for the journey: admins must use a second factor, and
    the e-mails' links point at the live server (PUBLIC_BASE_URL)."""
    saved = {k: app.config[k] for k in ("REQUIRE_2FA_FOR_ADMINS", "PUBLIC_BASE_URL")}
    app.config.update(REQUIRE_2FA_FOR_ADMINS=True, PUBLIC_BASE_URL=live_server)
    yield app
    app.config.update(saved)


def _mail_link(smtp, to: str, path: str) -> str:
    """Deliver the outbox to the SMTP server; the one link (to `path`) in the plain-text
    body of the one mail `to` received."""
    deliver_all()
    (mail,) = smtp.inbox.to(to)
    body = mail.get_body(("plain",)).get_content()
    (link,) = re.findall(rf"https?://\S+{re.escape(path)}[A-Za-z0-9_-]+", body)
    return link


def _code_after_last(secret: str, email: str) -> str:
    """The code of the step after the last one accepted (what the app shows now, or in the
    next 30 seconds): inside the app's window, never one already used."""
    db.session.expire_all()
    return totp.code_at(secret, find_by_email(email).totp_last_step + 1)


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def _heading(page, name) -> None:
    page.get_by_role("heading", name=name, level=1).wait_for()


def _password_step(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/staf/masuk")
    _heading(page, "Masuk sebagai staf")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    _submit(page, "Masuk")


def _set_up_authenticator(page, *, enrolling: bool, password: str | None = None) -> str:
    """On the setup page: read the secret, type the app's current code, see the ten
    recovery codes once, go on. The secret is returned (the test is the phone's app)."""
    _heading(page, "Pasang masuk dua langkah")
    if enrolling:
        assert (
            "Akun admin wajib memakai masuk dua langkah"
            in page.locator("#enrolment-pending").inner_text()
        )
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    if not enrolling:  # signed in: the password proves it is the owner, not a stolen session
        page.get_by_label(re.compile("^Kata sandi Anda sekarang")).fill(password)
    page.get_by_label(re.compile("^Kode 6 angka dari aplikasi")).fill(pyotp.TOTP(secret).now())
    _submit(page, "Aktifkan masuk dua langkah")
    _heading(page, "Simpan kode pemulihan Anda")
    assert "Masuk dua langkah aktif" in page.locator("#two-factor-on").inner_text()
    assert page.locator("ol.recovery-codes li").count() == 10
    with page.expect_navigation():
        page.get_by_role("link", name="Sudah saya simpan, lanjutkan").click()
    return secret


def _row_of(page, email: str):
    return page.locator("#accounts tbody tr").filter(has_text=email)


def _audit_rows(page) -> list[dict[str, str]]:
    rows = []
    for row in page.locator("#audit-entries tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        rows.append(
            dict(zip(("when", "who", "address", "what", "target", "detail"), cells, strict=True))
        )
    return rows


def test_an_admin_invites_an_officer_who_sets_a_password_and_signs_in_with_two_steps(
    journey_app, router, live_server, smtp, phone, screenshots
):
    create_user(
        router, email=ADMIN, password=ADMIN_PASSWORD, role="regional-admin", region="kalsel"
    )

    # 1. The admin signs in: an admin must set up an authenticator before any staff page.
    admin = phone(javascript=False).new_page()
    _password_step(admin, live_server, ADMIN, ADMIN_PASSWORD)
    assert admin.url.endswith("/staf/akun/dua-langkah")
    _set_up_authenticator(admin, enrolling=True)
    _heading(admin, QUEUE)

    with admin.expect_navigation():
        admin.get_by_role("navigation", name="Menu petugas").get_by_role(
            "link", name="Akun staf"
        ).click()
    _heading(admin, "Akun staf")
    with admin.expect_navigation():
        admin.get_by_role("link", name="Undang akun baru").click()
    _heading(admin, "Undang akun baru")
    admin.get_by_label("Alamat e-mail").fill(OFFICER)
    admin.get_by_label("Peran").select_option(label="Petugas unit")
    admin.get_by_label(re.compile("^Instansi")).select_option(label="RSUD Ulin Banjarmasin")
    admin.get_by_label(re.compile("^Unit")).select_option(label="Poli Umum (RSUD Ulin Banjarmasin)")
    admin.get_by_label("Bahasa Indonesia").check()
    screenshots(admin, "journey-invite")
    _submit(admin, "Kirim undangan")
    _heading(admin, OFFICER)
    assert f"Undangan dikirim ke {OFFICER}" in admin.locator("div.ok[role=status]").inner_text()
    assert "Undangan belum dipakai" in admin.locator("#account-state").inner_text()

    # 2. The e-mail reaches the officer; the link opens in a browser of their own.
    link = _mail_link(smtp, OFFICER, "/staf/undangan/")
    officer = phone(javascript=False).new_page()
    officer.goto(link)
    _heading(officer, "Buat kata sandi akun staf")
    assert f"Akun: {OFFICER}" in officer.locator("#set-password").inner_text()
    officer.get_by_label(re.compile("^Kata sandi baru")).fill(WEAK)
    officer.get_by_label(re.compile("^Ulangi kata sandi baru")).fill(WEAK)
    _submit(officer, "Simpan kata sandi")
    _heading(officer, "Buat kata sandi akun staf")
    assert "Kata sandi belum disimpan" in officer.locator(".error-summary").inner_text()
    assert "paling sedikit 12 karakter" in officer.locator("#set-password").inner_text()
    officer.get_by_label(re.compile("^Kata sandi baru")).fill(FIRST)
    officer.get_by_label(re.compile("^Ulangi kata sandi baru")).fill(FIRST)
    _submit(officer, "Simpan kata sandi")
    _heading(officer, "Masuk sebagai staf")
    notice = officer.locator("#sign-in-notice")
    assert notice.inner_text() == "Kata sandi disimpan. Silakan masuk."
    assert notice.get_attribute("class") == "ok"

    # 3. The officer signs in, turns two-step sign-in on, and signs in with a code.
    officer.get_by_label("E-mail").fill(OFFICER)
    officer.get_by_label("Kata sandi").fill(FIRST)
    _submit(officer, "Masuk")
    _heading(officer, QUEUE)
    with officer.expect_navigation():
        officer.get_by_role("link", name=OFFICER).click()
    _heading(officer, "Akun saya")
    screenshots(officer, "journey-account")
    with officer.expect_navigation():
        officer.get_by_role("link", name="Pasang masuk dua langkah").click()
    secret = _set_up_authenticator(officer, enrolling=False, password=FIRST)
    assert "Kode pemulihan yang belum dipakai: 10." in officer.locator("#codes-left").inner_text()
    _submit(officer, "Keluar")
    _heading(officer, "Masuk sebagai staf")
    _password_step(officer, live_server, OFFICER, FIRST)
    _heading(officer, "Masuk: langkah kedua")
    officer.locator("input[name='code']").fill(_code_after_last(secret, OFFICER))
    _submit(officer, "Masuk")
    _heading(officer, QUEUE)

    # 4. The admin sees the officer active with two steps, and every step in the trail.
    admin.goto(f"{live_server}/staf/pengguna/")
    _heading(admin, "Akun staf")
    row = _row_of(admin, OFFICER)
    cells = dict(
        zip(
            ("email", "role", "scope", "state", "second", "last"),
            row.locator("td").all_inner_texts(),
            strict=True,
        )
    )
    assert cells["role"] == "Petugas unit" and cells["state"] == "Aktif"
    assert cells["second"] == "aktif" and cells["last"] != "belum pernah"
    assert "Poli Umum" in cells["scope"]
    screenshots(admin, "journey-accounts")

    with admin.expect_navigation():
        admin.get_by_role("navigation", name="Menu petugas").get_by_role(
            "link", name="Jejak audit"
        ).click()
    _heading(admin, re.compile("^Jejak audit"))
    screenshots(admin, "journey-audit")
    seen = [(r["what"], r["who"], r["target"]) for r in reversed(_audit_rows(admin))]
    assert seen == [
        ("Verifikasi dua langkah diaktifkan", ADMIN, ADMIN),
        ("Masuk", ADMIN, ADMIN),
        ("Akun diundang", ADMIN, OFFICER),
        ("Undangan diterima", OFFICER, OFFICER),
        ("Masuk", OFFICER, OFFICER),
        ("Verifikasi dua langkah diaktifkan", OFFICER, OFFICER),
        ("Keluar", OFFICER, OFFICER),
        ("Masuk", OFFICER, OFFICER),
    ], seen
    rows = _audit_rows(admin)
    assert all(re.search(r"\d{2}\.\d{2} WITA$", r["when"]) for r in rows)
    invited = next(r for r in rows if r["what"] == "Akun diundang")
    assert "Peran: Petugas unit" in invited["detail"]
    assert "Bahasa: Bahasa Indonesia" in invited["detail"]
    assert "Tautan berlaku sampai" in invited["detail"] and "WITA" in invited["detail"]


def test_a_forgotten_password_is_replaced_through_the_mailed_link(
    journey_app, router, live_server, smtp, phone, screenshots
):
    """An officer with two-step sign-in on (set up by a service call, as the phone's app
    would) asks for a link, sets a new password; the old one fails, the new one and a code
    work: a reset proves the mailbox, not the phone, so the code is still asked for."""
    user = create_user(
        router,
        email=OFFICER,
        password=FIRST,
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )
    key, secret = journey_app.config["SECRET_KEY"], totp.new_secret()
    now = utcnow()
    code = totp.code_at(secret, totp.step_at(now))
    two_factor.confirm_setup(user, totp.seal(key, secret), code, key=key, address=None, now=now)

    page = phone(javascript=False).new_page()
    page.goto(f"{live_server}/staf/masuk")
    with page.expect_navigation():
        page.get_by_role("link", name="Lupa kata sandi?").click()
    _heading(page, "Lupa kata sandi")
    page.get_by_label(re.compile("^E-mail akun staf")).fill(OFFICER)
    _submit(page, "Kirim tautan")
    _heading(page, "Periksa e-mail Anda")
    assert "Jika alamat itu terdaftar" in page.locator("#reset-sent").inner_text()

    link = _mail_link(smtp, OFFICER, "/staf/sandi-baru/")
    page.goto(link)
    _heading(page, "Buat kata sandi baru")
    page.get_by_label(re.compile("^Kata sandi baru")).fill(NEW)
    page.get_by_label(re.compile("^Ulangi kata sandi baru")).fill(NEW)
    _submit(page, "Simpan kata sandi")
    _heading(page, "Masuk sebagai staf")
    assert page.locator("#sign-in-notice.ok").inner_text() == "Kata sandi disimpan. Silakan masuk."

    _password_step(page, live_server, OFFICER, FIRST)
    _heading(page, "Masuk sebagai staf")
    assert "E-mail atau kata sandi salah" in page.get_by_role("alert").inner_text()
    _password_step(page, live_server, OFFICER, NEW)
    _heading(page, "Masuk: langkah kedua")
    page.locator("input[name='code']").fill(_code_after_last(secret, OFFICER))
    _submit(page, "Masuk")
    _heading(page, QUEUE)
    screenshots(page, "journey-after-reset")

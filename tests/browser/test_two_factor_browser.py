"""An officer turns two-step sign-in on in a real Chromium, without JavaScript: scans (reads)
the secret off the setup page, types the app's code, sees the recovery codes once, signs
out, and signs in again with the password and then a code."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts import totp
from portal.accounts.services import create_user, find_by_email
from portal.audit import actions
from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "petugas.ulin@example.org", "kata-sandi-uji-123"


def _next_code(secret: str) -> str:
    """The code of the step after the last one accepted: what the app shows now or within
    the next 30 seconds, and never a code already used (each code is good once)."""
    db.session.expire_all()
    last = find_by_email(EMAIL).totp_last_step
    return totp.code_at(secret, last + 1)


def test_an_officer_turns_two_step_sign_in_on_and_signs_in_with_a_code(
    app, router, live_server, phone, screenshots
):
    create_user(
        router,
        email=EMAIL,
        password=PASSWORD,
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )
    context = phone(javascript=False)
    page = sign_in(context, live_server, EMAIL, PASSWORD)

    page.goto(f"{live_server}/staf/akun")
    with page.expect_navigation():
        page.get_by_role("link", name="Pasang masuk dua langkah").click()
    page.get_by_role("heading", name="Pasang masuk dua langkah").wait_for()
    assert page.locator("#totp-qr svg[role=img]").is_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    screenshots(page, "two-factor-setup")

    page.get_by_label(re.compile("^Kata sandi Anda sekarang")).fill(PASSWORD)
    page.get_by_label(re.compile("^Kode 6 angka dari aplikasi")).fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Aktifkan masuk dua langkah").click()
    page.get_by_role("heading", name="Simpan kode pemulihan Anda").wait_for()
    codes = page.locator("ol.recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", c) for c in codes)
    screenshots(page, "two-factor-codes")
    with page.expect_navigation():
        page.get_by_role("link", name="Sudah saya simpan, lanjutkan").click()
    assert "Kode pemulihan yang belum dipakai: 10." in page.locator("#codes-left").inner_text()

    with page.expect_navigation():
        page.get_by_role("button", name="Keluar", exact=True).click()
    page.locator("input[name='email']").fill(EMAIL)
    page.locator("input[name='password']").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("heading", name="Masuk: langkah kedua").wait_for()
    assert page.url.endswith("/staf/masuk/kode")
    field = page.locator("input[name='code']")
    assert field.get_attribute("autocomplete") == "one-time-code"
    screenshots(page, "two-factor-code-step")
    field.fill(_next_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("heading", name=re.compile("^Antrean laporan")).wait_for()

    db.session.expire_all()
    done = db.session.execute(
        select(AuditEntry.action).where(AuditEntry.target_label == EMAIL).order_by(AuditEntry.id)
    ).scalars()
    assert list(done) == [
        actions.SIGN_IN,
        actions.TWO_FACTOR_ENABLED,
        actions.SIGN_OUT,
        actions.SIGN_IN,
    ]

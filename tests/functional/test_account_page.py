"""The staff account page (/staf/akun): changing one's own password under the policy, with
messages in the reader's language and nothing changed by a refused attempt."""

from __future__ import annotations

import pytest

from portal.accounts.services import authenticate, create_user

PASSWORD = "kata-sandi-uji-123"
EMAIL = "admin.kalsel@example.org"


@pytest.fixture
def signed_in(app, router, h):
    create_user(router, email=EMAIL, password=PASSWORD, role="regional-admin", region="kalsel")
    client = app.test_client()
    assert h.login(client, EMAIL, PASSWORD).status_code == 302
    return client


def change(client, h, current: str, new: str, confirm: str | None = None):
    fields = h.hidden_fields(client.get("/staf/akun").data)
    return client.post(
        "/staf/akun",
        data={
            "csrf_token": fields["csrf_token"],
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


@pytest.mark.parametrize(
    ("new", "indonesian", "english"),
    [
        (
            "pendek",
            "Kata sandi terlalu pendek: paling sedikit 12 karakter.",
            "The password is too short: at least 12 characters.",
        ),
        (
            "Password1234",
            "Kata sandi ini termasuk yang paling sering dipakai",
            "This password is one of the most commonly used",
        ),
        (
            "zzzzzzzzzzzzzzzz",
            "Kata sandi tidak boleh berupa satu karakter atau satu pola yang diulang-ulang.",
            "The password may not be one character or one pattern repeated over and over.",
        ),
        (
            "3456789012345",
            "Kata sandi tidak boleh berupa deretan angka, huruf atau tombol papan ketik",
            "The password may not be a run of digits, letters or keyboard keys",
        ),
    ],
)
def test_a_refused_password_says_why_in_both_languages(signed_in, h, new, indonesian, english):
    response = change(signed_in, h, PASSWORD, new)
    assert response.status_code == 400
    assert indonesian in response.get_data(as_text=True)
    signed_in.get("/bahasa/en")
    response = change(signed_in, h, PASSWORD, new)
    assert response.status_code == 400
    assert english in response.get_data(as_text=True)
    assert authenticate(EMAIL, PASSWORD) is not None  # unchanged
    assert signed_in.get("/staf/antrian").status_code == 200  # and still signed in


def test_wrong_current_password_and_mismatch_are_refused(signed_in, h):
    wrong = change(signed_in, h, "bukan-kata-sandinya", "sungai-martapura-pagi-hari")
    assert wrong.status_code == 400 and "Kata sandi sekarang salah." in wrong.get_data(as_text=True)
    mismatch = change(signed_in, h, PASSWORD, "sungai-martapura-pagi-hari", "sungai-barito")
    assert mismatch.status_code == 400
    assert "Kedua kata sandi baru tidak sama." in mismatch.get_data(as_text=True)
    assert authenticate(EMAIL, PASSWORD) is not None
    assert signed_in.get("/staf/antrian").status_code == 200


def test_a_good_password_is_taken_and_this_browser_stays_signed_in(signed_in, h):
    response = change(signed_in, h, PASSWORD, "sungai-martapura-pagi-hari")
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kata sandi diganti. Semua sesi lain di perangkat mana pun berakhir." in page
    assert authenticate(EMAIL, "sungai-martapura-pagi-hari") is not None
    assert authenticate(EMAIL, PASSWORD) is None


def test_sign_out_everywhere_says_so_on_the_sign_in_page(signed_in, h):
    fields = h.hidden_fields(signed_in.get("/staf/akun").data)
    response = signed_in.post("/staf/akun/keluar-semua", data={"csrf_token": fields["csrf_token"]})
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        '<div class="ok" role="status" id="sign-in-notice">Anda telah keluar dari semua '
        "perangkat. Silakan masuk lagi." in page
    )


def test_a_refusal_on_the_sign_in_page_stays_an_alert(client):
    """A page that needs signing in sends there with Flask-Login's message: a warning."""
    response = client.get("/staf/akun")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        '<div class="alert" role="status" id="sign-in-notice">Silakan masuk untuk membuka '
        "halaman staf." in page
    )


def test_every_staff_page_links_to_the_account_page(signed_in):
    page = signed_in.get("/staf/antrian").get_data(as_text=True)
    assert 'href="/staf/akun"' in page


@pytest.mark.parametrize("password", ["Password1234", "aaaaaaaaaaaaaaa", "qwertyuiop123"])
def test_cli_create_and_set_password_refuse_weak_passwords(app, signed_in, password):
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.org",
            "--password",
            password,
            "--role",
            "super-admin",
        ]
    )
    assert created.exit_code == 1 and created.output.startswith("error: Kata sandi")
    assert " / The password " in created.output or " / This password " in created.output
    changed = runner.invoke(
        args=["users", "set-password", "--email", EMAIL, "--password", password]
    )
    assert changed.exit_code == 1 and changed.output.startswith("error: Kata sandi")
    assert authenticate(EMAIL, PASSWORD) is not None


def test_guessing_the_current_password_is_throttled_like_sign_in(signed_in, h):
    """A stolen session cannot guess the password through this form: wrong current
    passwords count as failed sign-ins, and the lock holds even for the right one."""
    statuses = [
        change(signed_in, h, f"tebakan-salah-{n}", "sungai-martapura-pagi-hari").status_code
        for n in range(5)
    ]
    assert statuses[:4] == [400] * 4 and statuses[4] == 429
    locked = change(signed_in, h, PASSWORD, "sungai-martapura-pagi-hari")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan masuk yang gagal" in locked.get_data(as_text=True)
    assert authenticate(EMAIL, PASSWORD) is not None  # unchanged

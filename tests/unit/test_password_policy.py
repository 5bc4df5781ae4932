"""The password policy (portal/accounts/passwords.py): what is refused and why."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.accounts import passwords
from portal.accounts.passwords import (
    COMMON,
    IS_EMAIL,
    REPEATED,
    SEQUENCE,
    TOO_LONG,
    TOO_SHORT,
    common_passwords,
    refusal,
)


def reason(password: str, **kw) -> str | None:
    found = refusal(password, **kw)
    return found.message if found else None


def test_the_shipped_list_is_the_large_one():
    listed = common_passwords()
    assert len(listed) > 19_000
    assert {"password", "123456", "qwerty", "iloveyou"} <= listed
    assert all(p == p.lower() for p in listed)


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "PassWord-1234",  # case and separators do not matter
        "Password2024!",  # a listed word with a few digits and signs around it
        "iloveyou1234",
        "123456789qwerty",
        "1qaz2wsx3edc",
        "qwertyuiop123",
        "iloveyou1234",
        "Bismillah123",
        "Indonesia-Raya",
        "KATASANDI1234",
        "merah putih 1945",
    ],
)
def test_common_passwords_are_refused_whatever_the_case(password):
    assert len(password) >= passwords.MIN_LENGTH
    assert reason(password) == COMMON


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "!!!!!!!!!!!!!",
        "abababababab",
        "abcabcabcabc",
        "x1y2x1y2x1y2",
        "Tq9#vL2Tq9#vL2",
    ],
)
def test_one_character_or_one_block_repeated_is_refused(password):
    assert reason(password) == REPEATED


@pytest.mark.parametrize(
    "password",
    [
        "234567890123",
        "0987654321098",
        "abcdefghijklm",
        "zyxwvutsrqpo",
        "wertyuiopqwe",
        "mnbvcxzmnbvc",
        "wsx3edc4rfv5tgb",
    ],
)
def test_a_run_along_digits_letters_or_a_keyboard_row_is_refused(password):
    assert reason(password) == SEQUENCE


def test_length_bounds():
    assert reason("a-Sh0rt-pw") == TOO_SHORT
    assert refusal("x" * 11).params == {"min": 12}
    assert reason("Tq9" + "v" * 300) == TOO_LONG


def test_the_accounts_own_email_is_refused():
    assert reason("admin.kalsel@example.org", email="admin.kalsel@example.org") == IS_EMAIL
    assert reason("Admin-Kalsel-1", email="admin.kalsel1@example.org") == IS_EMAIL


@pytest.mark.parametrize(
    "password",
    [
        "sungai-martapura-pagi-hari",
        "kata-sandi-uji-123",
        "demo-sandi-123",  # the README's demo password keeps working
        "Tq9#vL2m!xR7",
        "kopi tubruk tanpa gula",
        "password8472916350",  # a listed word, but with ten digits no list predicts
    ],
)
def test_good_passwords_pass(password):
    assert refusal(password, email="someone@example.org") is None


@given(st.text(min_size=0, max_size=300))
def test_any_text_gets_an_answer_never_an_error(text):
    found = refusal(text, email="a@b.c")
    reasons = {TOO_SHORT, TOO_LONG, COMMON, REPEATED, SEQUENCE, IS_EMAIL}
    assert found is None or found.message in reasons
    if len(text) < passwords.MIN_LENGTH:
        assert found is not None and found.message == TOO_SHORT


def test_a_refusal_renders_through_the_given_translator():
    found = refusal("pendek")
    assert found.render(lambda message, **params: message % params) == (
        "Kata sandi terlalu pendek: paling sedikit 12 karakter."
    )

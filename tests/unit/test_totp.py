"""TOTP with a frozen clock: every `now` is passed in, so nothing here waits or races."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from portal.accounts import totp

KEY = "test-secret-key-that-is-long-enough-for-tests"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# 2026-03-02 08:00:00 UTC: the start of a 30-second step.
T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
STEP = int(T0.timestamp()) // 30


def code(at: datetime) -> str:
    """What an authenticator app (pyotp, independent of our code) shows at `at`."""
    return pyotp.TOTP(SECRET).at(at)


def test_the_step_of_a_moment():
    assert totp.step_at(T0) == STEP
    assert totp.step_at(T0 + timedelta(seconds=29)) == STEP
    assert totp.step_at(T0 + timedelta(seconds=30)) == STEP + 1
    assert totp.step_at(T0.replace(tzinfo=None)) == STEP  # a naive time is read as UTC


def test_our_codes_are_the_apps_codes():
    assert totp.code_at(SECRET, STEP) == code(T0)
    assert len(code(T0)) == 6 and code(T0).isdigit()


def test_the_current_code_returns_its_step():
    assert totp.verify(SECRET, code(T0), T0 + timedelta(seconds=10), None) == STEP


@pytest.mark.parametrize("drift", [-1, 1])
def test_a_clock_one_step_off_either_way_is_accepted(drift):
    at_phone = T0 + timedelta(seconds=30 * drift)
    assert totp.verify(SECRET, code(at_phone), T0, None) == STEP + drift


@pytest.mark.parametrize("drift", [-3, -2, 2, 3])
def test_two_steps_off_is_refused(drift):
    at_phone = T0 + timedelta(seconds=30 * drift)
    assert code(at_phone) not in {code(T0 + timedelta(seconds=30 * d)) for d in (-1, 0, 1)}
    assert totp.verify(SECRET, code(at_phone), T0, None) is None


def test_a_code_is_good_once_even_within_its_window():
    step = totp.verify(SECRET, code(T0), T0, None)
    assert step == STEP
    # The same code again, a few seconds later and still inside its window: refused.
    assert totp.verify(SECRET, code(T0), T0 + timedelta(seconds=20), step) is None
    assert totp.verify(SECRET, code(T0), T0 + timedelta(seconds=40), step) is None
    # An older code that would still be in the window: refused too (steps only go forward).
    earlier = code(T0 - timedelta(seconds=30))
    assert totp.verify(SECRET, earlier, T0 + timedelta(seconds=5), step) is None
    # The next step's code is fine.
    later = T0 + timedelta(seconds=30)
    assert totp.verify(SECRET, code(later), later, step) == STEP + 1


def test_after_a_code_from_a_fast_clock_the_current_one_is_refused():
    fast = totp.verify(SECRET, code(T0 + timedelta(seconds=30)), T0, None)
    assert fast == STEP + 1
    assert totp.verify(SECRET, code(T0), T0, fast) is None


@pytest.mark.parametrize(
    "typed",
    ["", None, "12345", "1234567", "abcdef", "12 34 5x", "１２３４５６７", "123456\x00"],
)
def test_malformed_codes_are_refused(typed):
    assert totp.verify(SECRET, typed, T0, None) is None


def test_typed_codes_are_normalised():
    right = code(T0)
    for typed in (
        f"{right[:3]} {right[3:]}",
        f" {right[:3]}-{right[3:]} ",
        right.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ):
        assert totp.normalize_code(typed) == right
        assert totp.verify(SECRET, typed, T0, None) == STEP


def test_a_wrong_code_is_refused():
    right = code(T0)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert totp.verify(SECRET, wrong, T0, None) is None


def test_new_secrets_are_random_base32_of_160_bits():
    secrets = {totp.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        pyotp.TOTP(secret).now()  # an app accepts it


def test_the_secret_is_grouped_for_typing():
    assert totp.grouped(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_seal_and_unseal():
    sealed = totp.seal(KEY, SECRET)
    assert SECRET not in sealed and sealed.startswith("s1:")
    assert len(sealed) <= 200  # users.totp_secret is String(200)
    assert totp.unseal(KEY, sealed) == SECRET
    # Every seal has its own nonce: the same secret never looks the same twice.
    assert totp.seal(KEY, SECRET) != sealed
    nonce = bytes(16)
    assert totp.seal(KEY, SECRET, nonce=nonce) == totp.seal(KEY, SECRET, nonce=nonce)


def test_a_database_copy_without_the_key_opens_nothing():
    sealed = totp.seal(KEY, SECRET)
    with pytest.raises(totp.SealBroken):
        totp.unseal("another-key-another-key-another-key", sealed)


@pytest.mark.parametrize(
    "broken",
    ["", "s1:", "s2:AAAA", "no-colon", "s1:!!!not-base64!!!", "s1:AAAAAAAA", SECRET],
)
def test_anything_but_a_sealed_secret_is_refused(broken):
    with pytest.raises(totp.SealBroken):
        totp.unseal(KEY, broken)


def test_a_changed_seal_is_refused():
    import base64

    sealed = totp.seal(KEY, SECRET)
    raw = bytearray(base64.urlsafe_b64decode(sealed[3:]))
    raw[20] ^= 1  # one bit of the sealed secret
    with pytest.raises(totp.SealBroken):
        totp.unseal(KEY, "s1:" + base64.urlsafe_b64encode(bytes(raw)).decode())


def test_the_provisioning_uri_names_the_portal_and_the_account():
    uri = totp.provisioning_uri(SECRET, "budi.santoso@example.org")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == "/Aduan Langsung:budi.santoso@example.org"
    query = parse_qs(parts.query)
    assert query["secret"] == [SECRET] and query["issuer"] == ["Aduan Langsung"]
    # An app reading the address makes the same codes.
    assert pyotp.parse_uri(uri).at(T0) == code(T0)

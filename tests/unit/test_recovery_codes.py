"""Recovery codes: readable, normalised on input, stored only as a keyed hash."""

from __future__ import annotations

import re

import pytest

from portal.accounts import recovery

KEY = "test-secret-key-that-is-long-enough-for-tests"


def test_ten_different_codes_without_look_alikes():
    codes = recovery.new_codes()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(recovery.ALPHABET)
    for look_alike in "0O1IL5SZGB":
        assert look_alike not in recovery.ALPHABET


def test_codes_are_shown_in_two_groups():
    assert recovery.grouped("K7M4PX9Q") == "K7M4-PX9Q"
    for code in recovery.new_codes():
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", recovery.grouped(code))


@pytest.mark.parametrize(
    "typed", ["K7M4-PX9Q", "k7m4-px9q", " K7M4 PX9Q ", "k7m4px9q", "K7M4 – PX9Q", "Ｋ7M4-PX9Q"]
)
def test_typed_codes_are_normalised(typed):
    assert recovery.normalize(typed) == "K7M4PX9Q"


@pytest.mark.parametrize(
    "typed",
    [None, "", "K7M4-PX9", "K7M4-PX9QQ", "K7M4-PX0Q", "K7M4-PXIQ", "123456", "K7M4\x00PX9Q"],
)
def test_what_cannot_be_a_code_is_refused(typed):
    assert recovery.normalize(typed) is None


def test_the_stored_hash_is_keyed_and_bound_to_the_account():
    digest = recovery.code_hash(KEY, 7, "K7M4PX9Q")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert "K7M4PX9Q" not in digest
    assert recovery.code_hash(KEY, 7, "K7M4PX9Q") == digest
    assert recovery.code_hash(KEY, 8, "K7M4PX9Q") != digest  # another account's code
    assert recovery.code_hash("another-key-another-key", 7, "K7M4PX9Q") != digest

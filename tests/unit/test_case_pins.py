"""The PIN beside the tracking code: derived, readable, forgiving in what it accepts."""

from __future__ import annotations

from portal.complaints.access import access_token_for, token_hash
from portal.complaints.pins import (
    ALPHABET,
    LENGTH,
    grouped,
    normalize_pin,
    pin_for,
    pin_matches,
    shown_pin,
)

SECRET = "s" * 48
DIGEST = "a1" * 32


def test_the_pin_is_a_pure_function_of_secret_and_digest():
    pin = pin_for(SECRET, DIGEST)
    assert pin == pin_for(SECRET, DIGEST)
    assert len(pin) == LENGTH and set(pin) <= set(ALPHABET)
    assert pin != pin_for(SECRET, "b2" * 32)
    assert pin != pin_for("t" * 48, DIGEST)


def test_its_own_purpose_the_token_does_not_give_it_away():
    token = access_token_for(SECRET, DIGEST)
    assert pin_for(SECRET, DIGEST) not in token.upper()


def test_the_alphabet_has_no_look_alikes():
    assert len(set(ALPHABET)) == len(ALPHABET) == 20
    assert not set("0O1IL5S2Z8BGQDUV") & set(ALPHABET)


def test_pins_spread_over_the_alphabet():
    pins = {pin_for(SECRET, f"{n:064x}") for n in range(2000)}
    assert len(pins) == 2000  # no collisions in a small sample
    assert set("".join(pins)) == set(ALPHABET)


def test_shown_grouped_in_threes():
    assert grouped("K7M4PX") == "K7M-4PX"


def test_what_people_type_is_normalised():
    for typed in ("k7m-4px", " K7M 4PX ", "k7m4px", "K7M–4PX", "Ｋ７Ｍ４ＰＸ", "K7M.4PX"):
        assert normalize_pin(typed) == "K7M4PX", typed
    assert normalize_pin("67M-4PX") == normalize_pin("g7m-4px") == "67M4PX"  # G looks like 6
    assert normalize_pin("КЕМ4РХ") == "KEM4PX"  # Cyrillic capitals from another keyboard


def test_what_cannot_be_a_pin_is_refused():
    for typed in ("", None, "K7M-4P", "K7M-4PXX", "K0M-4PX", "K7M-4P!", "K7M-4PO"):
        assert normalize_pin(typed) is None, typed


def test_matching_is_on_the_normalised_text():
    pin = pin_for(SECRET, DIGEST)
    assert pin_matches(SECRET, DIGEST, grouped(pin).lower())
    assert not pin_matches(SECRET, DIGEST, "")
    other = "".join(ALPHABET[(ALPHABET.index(c) + 1) % len(ALPHABET)] for c in pin)
    assert not pin_matches(SECRET, DIGEST, other)


def test_no_pin_for_a_case_whose_link_is_not_derived_from_its_digest():
    stored = token_hash(access_token_for(SECRET, DIGEST))
    assert shown_pin(SECRET, DIGEST, stored) == pin_for(SECRET, DIGEST)
    assert shown_pin("another-secret" * 4, DIGEST, stored) is None  # SECRET_KEY changed
    assert shown_pin(SECRET, DIGEST, token_hash("some-other-token")) is None
    assert shown_pin(SECRET, None, stored) is None

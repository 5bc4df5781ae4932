"""Normalising and hashing the abuse list's values (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.abuse import hashing as h

KEY = h.derive_key("test-secret-key-that-is-long-enough-for-tests")


@pytest.mark.parametrize(
    "typed",
    ["0812 3456 7890", "0812-3456-7890", "+62 812 3456 7890", "62812-3456-7890",
     "0062 812 3456 7890", "812 3456 7890", "(0812) 3456.7890"],
)  # fmt: skip
def test_every_way_of_typing_one_indonesian_number_is_one_value(typed):
    assert h.normalize_phone(typed) == "6281234567890"


@pytest.mark.parametrize("typed", ["", "abc", "12345", "1" * 17])
def test_no_phone_number(typed):
    with pytest.raises(h.InvalidValue):
        h.normalize_phone(typed)


def test_email_is_trimmed_and_lowercased():
    assert h.normalize_email("  Siti.Aminah@Example.ORG ") == "siti.aminah@example.org"
    for bad in ("", "siti", "siti@", "a b@example.org", "@example.org"):
        with pytest.raises(h.InvalidValue):
            h.normalize_email(bad)


def test_addresses_in_canonical_form():
    assert h.normalize_address(" 203.0.113.7 ") == "203.0.113.7"
    assert h.normalize_address("2001:0DB8:0000::0001") == "2001:db8::1"
    assert h.normalize_address("::ffff:203.0.113.7") == "203.0.113.7"
    with pytest.raises(h.InvalidValue):
        h.normalize_address("203.0.113.999")


def test_digest_is_keyed_and_kind_separated():
    one = h.digest_of(KEY, h.PHONE, "0812 3456 7890")
    assert one == h.digest_of(KEY, h.PHONE, "+62 812-3456-7890")
    assert len(one) == 64 and "6281234567890" not in one and "81234567890" not in one
    other_key = h.derive_key("another-secret-key-that-is-long-enough")
    assert h.digest_of(other_key, h.PHONE, "0812 3456 7890") != one
    # the same text as another kind is another value
    assert h.digest(KEY, h.EMAIL, "x@example.org") != h.digest(KEY, h.ADDRESS, "x@example.org")
    assert h.digest_of(KEY, h.PHONE, "") is None and h.digest_of(KEY, "fax", "1") is None


@given(st.text(max_size=60))
def test_any_text_either_normalises_or_is_refused(text):
    for kind in h.KINDS:
        try:
            value = h.normalize(kind, text)
        except h.InvalidValue:
            continue
        assert h.normalize(kind, value) == value  # idempotent

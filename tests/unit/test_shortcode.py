"""Short codes: stable, unambiguous, and forgiving of how people type them."""

from __future__ import annotations

import hashlib

import pytest

from qr.shortcode import ALPHABET, LENGTH, format_code, normalize, short_code

IDS = ("rsud-ulin", "poli-umum", "pendaftaran")


def test_alphabet_has_no_look_alikes() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("0O1IL") & set(ALPHABET)


def test_code_shape_and_stability() -> None:
    code = short_code(*IDS)
    assert len(code) == LENGTH
    assert set(code) <= set(ALPHABET)
    assert short_code(*IDS) == code


def test_code_uses_canonical_lower_case_ids() -> None:
    assert short_code("RSUD-ULIN", "Poli-Umum", "PENDAFTARAN") == short_code(*IDS)


def test_code_is_a_pinned_function_of_the_ids() -> None:
    # Printed posters depend on this never changing: recompute it independently.
    digest = hashlib.sha256(
        b"aduan-langsung/short-code/v1\nrsud-ulin\npoli-umum\npendaftaran"
    ).digest()
    value, expected = int.from_bytes(digest, "big"), ""
    for _ in range(6):
        value, i = divmod(value, 31)
        expected += ALPHABET[i]
    assert short_code(*IDS) == expected


def test_field_boundaries_matter() -> None:
    # Same characters split differently must not collide by construction.
    assert short_code("a", "b-c", "d") != short_code("a-b", "c", "d")


def test_distinct_service_points_rarely_collide() -> None:
    codes = {
        short_code(f"agency-{a}", f"unit-{u}", f"service-{s}")
        for a in range(20)
        for u in range(10)
        for s in range(10)
    }
    # 2000 points in ~887M codes: expected collisions ~0.002.
    assert len(codes) == 2000


def test_normalize_accepts_printed_and_sloppy_forms() -> None:
    code = short_code(*IDS)
    printed = format_code(code)
    assert normalize(printed) == code
    assert normalize(printed.lower()) == code
    assert normalize(f"  {code[:2]} {code[2:4]}-{code[4:]} ") == code


@pytest.mark.parametrize(
    "text",
    ["", "ABCDE", "ABCDEFG", "ABC-DE0", "ABCDEO", "ABCDE1", "ABCDEI", "ABCDEL", "ABC_DE", "ÄBCDEF"],
)
def test_normalize_refuses_what_cannot_be_a_code(text: str) -> None:
    assert normalize(text) is None


def test_format_code_groups_three_and_three() -> None:
    assert format_code("k7q3mz") == "K7Q-3MZ"
    assert format_code("K7Q-3MZ") == "K7Q-3MZ"
    with pytest.raises(ValueError, match="not a short code"):
        format_code("K0Q-3MZ")

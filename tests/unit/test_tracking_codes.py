from __future__ import annotations

import re

from portal.complaints.tracking_codes import ALPHABET, new_tracking_code, normalize_tracking_code


def test_new_codes_have_prefix_and_no_ambiguous_characters():
    codes = {new_tracking_code("ksl") for _ in range(2000)}
    assert len(codes) == 2000  # random, not sequential
    for code in codes:
        assert re.fullmatch(r"KSL-[A-Z0-9]{6}", code)
        assert not set(code[4:]) & set("01OIL")
    assert set("".join(c[4:] for c in codes)) <= set(ALPHABET)


def test_normalize_accepts_what_people_type():
    assert normalize_tracking_code(" ksl-7k3q9m ") == "KSL-7K3Q9M"
    assert normalize_tracking_code("KSL7K3Q9M") == "KSL-7K3Q9M"
    assert normalize_tracking_code("hst 7k3 q9m") == "HST-7K3Q9M"


def test_normalize_refuses_malformed_codes():
    for text in ("", "KSL-", "KSL-7K3Q9", "KSL-7K3Q9MX", "KSL-OOOOOO", "K-7K3Q9M", "<script>"):
        assert normalize_tracking_code(text) is None

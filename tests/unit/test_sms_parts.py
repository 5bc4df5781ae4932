"""SMS splitting: GSM-7 vs UCS-2, single message limits, parts with their marker, URLs kept
whole; and the choice of medium for a citizen notice (both pure)."""

from __future__ import annotations

import pytest

from portal.messaging.choice import default_notify_via, medium_for
from portal.messaging.sms_parts import (
    GSM7,
    UCS2,
    cost,
    encoding_of,
    gsm_friendly,
    split_sms,
)

LINK = "https://aduan.kalselprov.go.id/lacak/KS-7QK3MZ?t=AbCdEfGhIjKlMnOpQrStUvWx"


def test_gsm_text_of_160_is_one_part_and_161_is_two():
    assert split_sms("a" * 160).parts == ("a" * 160,)
    two = split_sms("a" * 161)
    assert two.encoding == GSM7 and len(two.parts) == 2
    assert all(len(p) <= 153 for p in two.parts)
    assert two.parts[0].startswith("(1/2) ") and two.parts[1].startswith("(2/2) ")


def test_extension_characters_count_double():
    assert cost("{}[]~|^€\\", GSM7) == 18
    assert encoding_of("harga [Rp] 5.000 €") == GSM7
    assert len(split_sms("€" * 80).parts) == 1  # 160 septets
    assert len(split_sms("€" * 81).parts) == 2


def test_one_non_gsm_character_makes_it_ucs2_with_smaller_parts():
    text = "Terima kasih 🙏 " + "x" * 60
    split = split_sms(text)
    assert split.encoding == UCS2 and len(split.parts) == 2
    assert all(cost(p, UCS2) <= 67 for p in split.parts)
    assert len(split_sms("é" * 160).parts) == 1  # é is in the GSM alphabet
    assert len(split_sms("ő" * 70).parts) == 1 and len(split_sms("ő" * 71).parts) == 2


def test_typographic_characters_are_made_gsm():
    text = gsm_friendly("Nilai 1–5 — “sangat puas”… ‘ya’\u00a0ok")
    assert text == "Nilai 1-5 - \"sangat puas\"... 'ya' ok"
    assert encoding_of(text) == GSM7


def test_the_marker_is_counted_and_words_are_not_cut():
    words = " ".join(f"kata{i}" for i in range(120))
    split = split_sms(words)
    total = len(split.parts)
    for i, part in enumerate(split.parts, 1):
        assert part.startswith(f"({i}/{total}) ") and cost(part, GSM7) <= 153
    rebuilt = " ".join(p.split(") ", 1)[1] for p in split.parts)
    assert rebuilt == words  # no word cut, nothing lost, in order


def test_a_url_is_never_split_when_it_fits_in_a_part():
    text = "Laporan Anda sudah kami terima. " * 4 + "Tautan pribadi: " + LINK
    split = split_sms(text)
    assert len(split.parts) >= 2
    assert any(LINK in part for part in split.parts)
    for n in range(100, 140):  # wherever the link falls
        parts = split_sms("x" * n + " " + LINK + " selesai").parts
        assert any(LINK in p for p in parts), n


def test_a_url_longer_than_a_part_is_cut_but_nothing_is_lost():
    long_link = "https://example.org/" + "a" * 300
    parts = split_sms("Lihat " + long_link).parts
    assert "".join(p.split(") ", 1)[1] for p in parts[1:]) == long_link
    assert all(cost(p, GSM7) <= 153 for p in parts)


def test_ten_or_more_parts_still_fit_with_a_wider_marker():
    parts = split_sms("y" * 1500).parts
    assert len(parts) == 11 and parts[9].startswith("(10/11) ")
    assert all(cost(p, GSM7) <= 153 for p in parts)
    assert "".join(p.split(") ", 1)[1] for p in parts) == "y" * 1500


def test_surrounding_blanks_do_not_count():
    assert split_sms("  halo  \n").parts == ("halo",)


# --- who is told by what ----------------------------------------------------------------------

ON = dict(region_whatsapp=True, region_sms=True)
WA_ONLY = dict(region_whatsapp=True, region_sms=False)
SMS_ONLY = dict(region_whatsapp=False, region_sms=True)
OFF = dict(region_whatsapp=False, region_sms=False)


@pytest.mark.parametrize(
    ("email", "phone", "region", "expected"),
    [
        (True, True, ON, "email"),
        (False, True, ON, "whatsapp"),
        (False, True, SMS_ONLY, "sms"),
        (False, True, OFF, None),
        (False, False, ON, None),
        (True, False, OFF, "email"),
    ],
)
def test_the_default_from_what_was_filled_in(email, phone, region, expected):
    assert default_notify_via(email=email, phone=phone, **region) == expected


@pytest.mark.parametrize(
    ("choice", "email", "region", "expected"),
    [
        ("email", True, ON, "email"),
        ("whatsapp", True, ON, "whatsapp"),
        ("whatsapp", True, SMS_ONLY, "sms"),
        ("whatsapp", True, OFF, "email"),
        ("whatsapp", False, OFF, None),
        ("sms", True, ON, "sms"),
        ("sms", False, WA_ONLY, "whatsapp"),
        ("sms", True, OFF, "email"),
        (None, True, ON, "email"),
        (None, False, ON, "whatsapp"),
        (None, False, SMS_ONLY, "sms"),
        (None, False, OFF, None),
    ],
)
def test_the_medium_of_a_notice_falls_back_by_the_region(choice, email, region, expected):
    assert medium_for(choice, email=email, phone=True, **region) == expected


def test_no_phone_means_no_phone_medium():
    assert medium_for("whatsapp", email=True, phone=False, **ON) == "email"
    assert medium_for("sms", email=False, phone=False, **ON) is None

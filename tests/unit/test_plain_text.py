"""Which control characters a stored text may hold, and what a search box keeps."""

from __future__ import annotations

import pytest

from portal.plain_text import has_control, without_control


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]])
def test_every_c0_c1_and_del_character_is_a_control_character(char):
    assert has_control(f"a{char}b")


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_only_multi_line_text_may_hold_tabs_and_line_breaks(char):
    assert has_control(f"a{char}b")
    assert not has_control(f"a{char}b", multiline=True)


@pytest.mark.parametrize(
    "text", ["", None, "Siti Aminah", "عبد الله", "日本語 🙂", "\u200f\u202e", "\ufeff"]
)
def test_printable_unicode_rtl_emoji_and_format_characters_are_not_control(text):
    assert not has_control(text)


def test_a_search_drops_control_characters_and_reads_tabs_and_lines_as_spaces():
    assert without_control("ab\x00cd") == "abcd"
    assert without_control("a\tb\r\nc\x1b\x85") == "a b  c"

"""Long staff lists are read a page at a time, whatever a visitor types after ?halaman=."""

from __future__ import annotations

import pytest

from portal.paging import page_number, page_of


@pytest.mark.parametrize(
    "raw, number", [(None, 1), ("", 1), ("0", 1), ("3", 3), ("-2", 1), ("x", 1), ("9" * 40, 1)]
)
def test_the_page_number_is_a_positive_whole_number(raw, number):
    assert page_number(raw) == number


def test_pages_slice_the_list_and_know_their_neighbours():
    items = list(range(60))
    first, second, third = (page_of(items, n, size=25) for n in (1, 2, 3))
    assert first.items == list(range(25)) and first.previous is None and first.next == 2
    assert second.items == list(range(25, 50)) and (second.previous, second.next) == (1, 3)
    assert third.items == list(range(50, 60)) and third.next is None and third.last == 3


def test_a_page_past_the_end_is_the_last_page_and_an_empty_list_has_one_page():
    assert page_of(list(range(30)), 99, size=25).items == list(range(25, 30))
    empty = page_of([], 4)
    assert (empty.items, empty.number, empty.last, empty.next) == ([], 1, 1, None)

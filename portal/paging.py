"""Numbered pages (?halaman=2) for the staff lists that are short enough to slice in memory.

The queue pages by cursor (it can hold 100,000 cases). The routing history, the block list
and its audit trail are read whole (a few hundred rows at most) and shown a page at a time,
so a phone never gets a 3,000-row table. Pure: the view passes the page number it read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

PAGE_SIZE = 25
QUERY = "halaman"
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # 1-based
    last: int  # the number of the last page (1 for an empty list)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.last else None


def page_number(raw: str | None) -> int:
    """The page asked for; 1 for anything that is not a positive whole number."""
    if raw is None or not raw.isdigit() or len(raw) > 6:
        return 1
    return max(1, int(raw))


def page_of(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page `number` of `items`; a number past the end gives the last page."""
    last = max(1, -(-len(items) // size))
    number = min(max(1, number), last)
    start = (number - 1) * size
    return Page(list(items[start : start + size]), number, last)

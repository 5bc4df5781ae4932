"""Row ids in URLs (`/staf/kasus/<code>/foto/<int:photo_id>`): only those a table can hold.

PostgreSQL's `integer` stops at 2**31 - 1; a larger number typed into a URL made the
look-up itself fail (a 500) instead of finding nothing. The app's `int` converter refuses
such a number while matching the URL, so the answer is the ordinary 404.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int | None) -> bool:
    """A number a row id can be (for ids read from a query string)."""
    return value is not None and 0 < value <= MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """`<int:…>` with an upper bound unless the rule names its own."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)

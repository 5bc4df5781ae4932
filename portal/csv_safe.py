"""CSV that is safe to open in a spreadsheet, for every export of citizen-written text.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (or a tab or
carriage return before one) as a formula: a report titled `=HYPERLINK("http://x","y")`
would become a live link, or worse, on the desk of whoever opens the export. Every cell
that starts with one of those characters gets a leading apostrophe, which spreadsheets
show as plain text and do not display.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # lets Excel read the file as UTF-8 (names like "Banjarbaru Utara — Loket")


def safe_cell(value: Any) -> str:
    """The cell's text, prefixed with an apostrophe if a spreadsheet would run it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[str]:
    """One row of safe cells."""
    return [safe_cell(v) for v in values]


def write_csv(
    stream: TextIO,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    bom: bool = True,
) -> int:
    """Write a header and rows of safe cells to a text stream; returns the number of rows.

    Open files with newline="" (the csv module writes its own CRLF line ends).
    """
    if bom:
        stream.write(BOM)
    writer = csv.writer(stream)
    writer.writerow(safe_row(header))
    count = 0
    for row in rows:
        writer.writerow(safe_row(row))
        count += 1
    return count

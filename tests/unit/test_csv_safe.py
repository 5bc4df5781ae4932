"""Exports open in spreadsheets: citizen text must never run as a formula there."""

from __future__ import annotations

import csv
import io

import pytest

from portal.csv_safe import BOM, safe_cell, safe_row, write_csv

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_starts_get_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value, cell",
    [
        ("Antrean lama", "Antrean lama"),
        ("Harga 2+2=4", "Harga 2+2=4"),  # only the first character matters
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-3, "'-3"),  # any cell, whatever produced it
        ("'=1", "'=1"),
    ],
)
def test_other_values(value, cell):
    assert safe_cell(value) == cell


def test_a_written_file_reads_back_as_plain_text():
    out = io.StringIO(newline="")
    count = write_csv(out, ["judul", "isi"], [[t, f"baris\n{t}"] for t in HOSTILE])
    assert count == len(HOSTILE)
    text = out.getvalue()
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))
    assert rows[0] == ["judul", "isi"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]
    assert [r[1] for r in rows[1:]] == [f"baris\n{t}" for t in HOSTILE]  # not at the start
    assert safe_row(["=a", "b"]) == ["'=a", "b"]
    assert write_csv(io.StringIO(), ["a"], [], bom=False) == 0

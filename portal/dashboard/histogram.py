"""Counts of cases per number of working days: the form the monthly recap keeps durations in.

A median cannot be added up month by month, but a histogram can: summing the histograms of
the months and units asked for, then reading the middle, gives the exact median of the
cases behind them. Durations are small integers (days), so a histogram stays a few dozen
entries however many cases it counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping


def encode(hist: Mapping[int, int]) -> str:
    """'days:count' pairs, e.g. '0:3 2:5'; compact and portable across databases."""
    return " ".join(f"{d}:{n}" for d, n in sorted(hist.items()) if n)


def decode(text: str | None) -> Counter[int]:
    hist: Counter[int] = Counter()
    for pair in (text or "").split():
        days, _, count = pair.partition(":")
        hist[int(days)] += int(count)
    return hist


def median(hist: Mapping[int, int]) -> float | None:
    """The median of the counted values (the mean of the two middle ones for an even count)."""
    n = sum(hist.values())
    if n == 0:
        return None
    lower_rank, upper_rank = (n - 1) // 2, n // 2  # 0-based ranks of the middle value(s)
    seen, lower = 0, None
    for days in sorted(hist):
        seen += hist[days]
        if lower is None and seen > lower_rank:
            lower = days
        if seen > upper_rank:
            return (lower + days) / 2
    raise AssertionError("unreachable: ranks are below the total")


def mean(hist: Mapping[int, int]) -> float | None:
    n = sum(hist.values())
    if n == 0:
        return None
    return sum(d * c for d, c in hist.items()) / n

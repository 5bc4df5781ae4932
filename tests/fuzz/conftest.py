"""Prints what the fuzz sent at the end of the run (requests per endpoint, statuses, time)."""

from __future__ import annotations

from tests.fuzz import stats


def pytest_terminal_summary(terminalreporter):
    lines = stats.summary()
    if lines:
        terminalreporter.section("public endpoint fuzz")
        for line in lines:
            terminalreporter.write_line(line)

"""Unified diffs between routing texts, for the check page and the conflict message."""

from __future__ import annotations

import difflib

MAX_DIFF_LINES = 2000  # a whole-file replacement of a national file is not worth showing


def unified(old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff with 3 lines of context; "" when the texts are equal."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, n=3, lineterm=""
    )
    out = []
    for count, line in enumerate(lines):
        if count >= MAX_DIFF_LINES:
            out.append(f"… (diff cut after {MAX_DIFF_LINES} lines)")
            break
        out.append(line)
    return "\n".join(out)

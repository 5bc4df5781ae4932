"""Control characters in what people type: which ones a stored text may hold (pure, no Flask).

PostgreSQL refuses a NUL (U+0000) in any text column, and the other control characters
(U+0001–U+001F, DEL, U+0080–U+009F) are invisible, cannot be typed on a phone and only
arrive from a script or a paste gone wrong; in a name or a title a line break would also
split an e-mail header. So every text that is stored is checked here first: a multi-line
text (a report's description, a reply, a note) may hold tab, line feed and carriage
return, a single-line one (a title, a name, an address) none at all. Where dropping them
loses nothing (a search box), `without_control` removes them instead.
"""

from __future__ import annotations

import re

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINES = re.compile(r"[\t\n\r]")


def has_control(text: str | None, *, multiline: bool = False) -> bool:
    """True when `text` holds a control character it may not (see the module docstring)."""
    if not text:
        return False
    pattern = _CONTROL_BUT_LINES if multiline else _ANY_CONTROL
    return pattern.search(text) is not None


def without_control(text: str) -> str:
    """`text` with tabs and line breaks as spaces and every other control character gone
    ("ab\\x00cd" searches for "abcd", "a\\tb" for "a b")."""
    return _CONTROL_BUT_LINES.sub("", _LINES.sub(" ", text))

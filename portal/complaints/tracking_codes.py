"""Public tracking codes like KSL-7K3Q9M: short to read out on the phone, hard to guess."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L: a citizen reading a code aloud or typing it from paper cannot confuse them.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6
_PATTERN = re.compile(rf"^([A-Z]{{2,4}})-?([{ALPHABET}]{{{LENGTH}}})$")


def new_tracking_code(prefix: str) -> str:
    """A random code; 31**6 ≈ 887 million per region, so guessing one is hopeless."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{prefix.upper()}-{body}"


def normalize_tracking_code(text: str) -> str | None:
    """What a citizen typed (any case, spaces, missing hyphen) as a canonical code, or None."""
    cleaned = re.sub(r"[\s_]+", "", text or "").upper()
    match = _PATTERN.match(cleaned)
    if not match:
        return None
    return f"{match.group(1)}-{match.group(2)}"

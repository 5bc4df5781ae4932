"""Recovery codes: ten one-time codes for signing in when the authenticator app is gone.

A code is eight characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S,
2/Z, 6/G, B/8 confusion), shown in two groups of four (K7M4-PX9Q) so it survives being
written down or printed. What was typed is normalised (case, spaces, dashes) before it is
compared. Only a keyed hash is stored (HMAC-SHA256 under the app's SECRET_KEY, bound to the
account), so a database copy holds no usable code. 24**8 is about 1.1e11 codes: guessing
is held off by the sign-in throttle (5 wrong codes lock the e-mail), not by length alone.
Pure: no Flask, no database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

ALPHABET = "2346789ACDEFHJKMNPQRTWXY"
LENGTH = 8
GROUP = 4
COUNT = 10
_PURPOSE = b"aduan-derived-key:recovery-code"
_NOT_CODE = re.compile(r"[\s\-‐-―−_.·/]+")


def new_codes(count: int = COUNT) -> list[str]:
    """`count` fresh codes (ungrouped), all different."""
    codes: list[str] = []
    while len(codes) < count:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if code not in codes:
            codes.append(code)
    return codes


def grouped(code: str) -> str:
    """K7M4PX9Q as K7M4-PX9Q, the way it is shown and printed."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalize(typed: str | None) -> str | None:
    """What a person typed (any case, spaces, dashes) as a recovery code, or None when it
    cannot be one."""
    text = _NOT_CODE.sub("", unicodedata.normalize("NFKC", typed or "")).upper()
    if len(text) != LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def code_hash(key: str | bytes, user_id: int, code: str) -> str:
    """What is stored for a code: a keyed hash bound to its account (64 hex characters)."""
    raw = key.encode() if isinstance(key, str) else key
    derived = hmac.new(raw, _PURPOSE, hashlib.sha256).digest()
    return hmac.new(derived, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()

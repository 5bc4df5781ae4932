"""The short PIN that, with the tracking code, opens the private link: K7M-4PX.

The private link's token (24 mixed-case characters with O/0/I) cannot be copied by hand
from paper or read out on the phone. The PIN can: six characters from an alphabet without
look-alikes, shown grouped in threes. Like the token it is derived from the case's
submission digest and SECRET_KEY, under a purpose of its own, so nothing new is stored
(no column, no migration) and a message rendered days later prints the same PIN. The
database alone yields no PIN; the database with SECRET_KEY yields the link anyway.

20**6 = 64 million PINs per tracking code: guessing is held off by the per-code rate
limit (portal/ratelimits/pins.py), not by the PIN's length. Pure: no Flask.
"""

from __future__ import annotations

import hmac
import re
import unicodedata

from portal.complaints.access import access_token_for, token_hash

# No 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G (6 kept), U/V: 20 characters that survive a
# handwritten copy, a receipt printer and being read out on the phone.
ALPHABET = "34679ACEFHJKMNPRTWXY"
LENGTH = 6
GROUP = 3
_PURPOSE = b"aduan-derived-key:case-pin"
# What a phone keyboard or a hurried hand puts in place of a PIN character: the letters we
# left out map to the one we kept (G and 6 look alike; the Cyrillic capitals a Russian or
# Kazakh keyboard types look like ours).
_LOOK_ALIKES = str.maketrans(
    {
        "G": "6",
        "А": "A",
        "С": "C",
        "Е": "E",
        "Н": "H",
        "К": "K",
        "М": "M",
        "Р": "P",
        "Т": "T",
        "Х": "X",
        "У": "Y",
    }
)
_NOT_PIN = re.compile(r"[\s\-‐-―−_.·/]+")


def pin_for(secret: str, digest: str) -> str:
    """The PIN of the case whose submission digest is `digest` (6 characters, ungrouped)."""
    key = hmac.new(secret.encode(), _PURPOSE, "sha256").digest()
    number = int.from_bytes(hmac.new(key, digest.encode(), "sha256").digest()[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def grouped(pin: str) -> str:
    """K7M4PX as K7M-4PX, the way it is shown and printed."""
    return "-".join(pin[i : i + GROUP] for i in range(0, len(pin), GROUP))


def normalize_pin(typed: str | None) -> str | None:
    """What a citizen typed (any case, spaces, hyphens, look-alikes) as a PIN, or None."""
    text = unicodedata.normalize("NFKC", typed or "").upper()
    text = _NOT_PIN.sub("", text).translate(_LOOK_ALIKES)
    if len(text) != LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def pin_matches(secret: str, digest: str, typed: str | None) -> bool:
    """Does the typed PIN open this case? (constant time over the normalised text)"""
    given = normalize_pin(typed) or ""
    return hmac.compare_digest(given.encode(), pin_for(secret, digest).encode())


def shown_pin(secret: str, digest: str | None, access_token_hash: str | None) -> str | None:
    """The PIN to show for a case, or None: only when the token the PIN leads to (derived
    from the same digest) really opens the case. A case whose link is not derived from its
    digest (SECRET_KEY changed since) gets no PIN rather than one that leads nowhere."""
    if not digest or not access_token_hash:
        return None
    token = access_token_for(secret, digest)
    if not hmac.compare_digest(token_hash(token), access_token_hash):
        return None
    return pin_for(secret, digest)

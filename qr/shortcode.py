"""Human-typable codes for service points, printed under the QR and opened at /k/<code>.

Six characters from an alphabet without look-alikes (no 0/O, 1/I/L), so a citizen can
type what they read off a faded poster. The code is a plain, UNKEYED hash of the
canonical IDs: it must survive signing-key rotation, because it is printed. 31**6 is about
887 million codes; collisions among a region's few thousand service points are unlikely
but possible, so whoever loads the routing file must check the codes are unique.
"""

from __future__ import annotations

import hashlib

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6
_DOMAIN = b"aduan-langsung/short-code/v1"
_REMOVED = str.maketrans("", "", " \t\r\n-")


def short_code(agency_id: str, unit_id: str, service_id: str) -> str:
    """The 6-character code of a service point, derived from its lower-case IDs."""
    message = b"\n".join(
        part.strip().lower().encode("utf-8") for part in (agency_id, unit_id, service_id)
    )
    value = int.from_bytes(hashlib.sha256(_DOMAIN + b"\n" + message).digest(), "big")
    # 256 bits reduced mod 31**6: the bias is below 2**-220, i.e. none worth mentioning.
    chars = []
    for _ in range(LENGTH):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def normalize(text: str) -> str | None:
    """The canonical code for what a person typed, or None if it cannot be one.

    Case, spaces and hyphens are ignored (so the printed "K7Q-3MZ" works). Look-alikes
    such as O or 1 are not guessed at: they are outside the alphabet, so we return None
    rather than risk opening the wrong counter.
    """
    if not isinstance(text, str):
        return None
    code = text.upper().translate(_REMOVED)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def format_code(code: str) -> str:
    """The printed form, two groups of three ("K7Q-3MZ"), easier to read and to type."""
    canonical = normalize(code)
    if canonical is None:
        raise ValueError(f"not a short code: {code!r}")
    return f"{canonical[:3]}-{canonical[3:]}"

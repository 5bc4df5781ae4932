"""Phone numbers as one canonical form (62… digits, the WhatsApp `wa_id` and E.164 without
the plus). Pure: the routing file, the abuse list, the outbox and the chat intake all
compare numbers this way, so 0812-3456-7890 typed on the web form and a WhatsApp message
from +62 812 3456 7890 are the same citizen.
"""

from __future__ import annotations

import re

PHONE_TEXT = re.compile(r"^\+?[0-9][0-9 ().\-]{5,22}[0-9]$")


class InvalidNumber(ValueError):
    """Not a phone number (no digits, too short or too long)."""


def msisdn(text: str) -> str:
    """Indonesian numbers as 62… digits: 0812-3456-7890, +62 812 3456 7890, 62812…,
    0062 812… and 812… (the 0 left off) are one number. Foreign numbers keep their
    country code (+60 12… stays 6012…); a number written with "+" or "00" is read as
    international as it stands, so +81 90… (Japan) or +82 10… (Korea) never becomes an
    Indonesian 0819…/0821… number with the 0 left off."""
    international = (text or "").lstrip().startswith("+")
    digits = re.sub(r"\D", "", text or "")
    if digits.startswith("00"):
        digits, international = digits[2:], True
    if digits.startswith("0"):  # no country code starts with 0: "+0812…" is still local
        digits = "62" + digits[1:]
    elif digits.startswith("8") and 9 <= len(digits) <= 12 and not international:
        digits = "62" + digits
    if not 6 <= len(digits) <= 16:
        raise InvalidNumber(text)
    return digits


def msisdn_or_none(text: str | None) -> str | None:
    """The canonical number, or None for an empty or unusable one."""
    if not text:
        return None
    try:
        return msisdn(text)
    except InvalidNumber:
        return None


def masked(number: str | None) -> str:
    """For logs and staff who may not see the number: country code and last 3 digits."""
    if not number:
        return ""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 6:
        return "…"
    return f"{digits[:2]}…{digits[-3:]}"


# A phone number inside free text (a log line, a provider's error): +62/62… or 08…, digit
# groups joined by one space or dash (a group after a separator has 3+ digits, so "… 12
# attempts" after a number stays), 9–15 digits in all. Not inside a word, a dotted number
# (0.0812…) or a dashed one (dates 2026-08-14), so tracking codes, ids, timestamps and
# message ids keep their digits. A percent-encoded plus (%2B62…, a gateway's query string
# in an access log) counts as the number's start.
PHONE_IN_TEXT = re.compile(
    r"(?:(?<=%2[Bb])|(?<![\w+.\-]))(?:\+?62|0(?=8))(?:\d|[ \-](?=\d{3}))+(?![\w\-])"
)


def mask_numbers_in(text: str) -> str:
    """`text` with every phone number in it replaced by masked() of its canonical form."""

    def mask(match: re.Match[str]) -> str:
        found = match.group(0)
        digits = re.sub(r"\D", "", found)
        if not 9 <= len(digits) <= 15:
            return found
        return masked(msisdn_or_none(found) or digits)

    return PHONE_IN_TEXT.sub(mask, text)

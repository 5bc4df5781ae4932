"""Cutting a text into SMS parts: GSM-7 or UCS-2, 160/70 characters in one message, else
parts of 153/67 with a "(1/3) " marker counted in. Pure.

A gateway picks the encoding from the characters: one character outside the GSM 03.38
alphabet (an emoji, a curly quote, "–") makes the whole message UCS-2 and shrinks a part
from 153 to 67 characters, so `gsm_friendly` first replaces the typographic characters
our own texts and pasted staff notes often hold. The extension table (`{}[]~|^€\\` and
form feed) costs two septets each. A word is never split if it fits in a part, and a URL
(the private link) starts a part of its own rather than being cut, unless it is longer
than a whole part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7, UCS2 = "gsm7", "ucs2"
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}  # what is left of 160/70 after the concatenation header
MAX_PARTS = 255

# Typographic characters a GSM phone can show as plain ones (keeps a notice in GSM-7).
FRIENDLY = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2022": "-",
        "\t": " ",
    }
)
TOKENS = re.compile(r"\s+|\S+")
URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class Split:
    encoding: str  # gsm7 | ucs2
    parts: tuple[str, ...]  # what each part says, its "(i/n) " marker included


def gsm_friendly(text: str) -> str:
    """The text with dashes, curly quotes, non-breaking spaces and "…" made GSM-7."""
    return text.translate(FRIENDLY).replace("\u2026", "...")


def encoding_of(text: str) -> str:
    """GSM7 when every character is in the GSM 03.38 alphabet (basic or extension)."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        return GSM7
    return UCS2


def cost(text: str, encoding: str) -> int:
    """Septets (GSM-7: extension characters count two) or UTF-16 code units (UCS-2)."""
    if encoding == GSM7:
        return sum(2 if c in GSM_EXTENSION else 1 for c in text)
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def split_sms(text: str) -> Split:
    """The parts to send, in order. One part when the text fits a single message."""
    text = text.strip()
    encoding = encoding_of(text)
    if cost(text, encoding) <= SINGLE[encoding]:
        return Split(encoding, (text,))
    count = 2
    while True:  # the marker's width depends on the count: settle on a count that holds
        width = PART[encoding] - len(_marker(count, count))
        chunks = _chunks(text, width, encoding)
        if len(chunks) <= count or count >= MAX_PARTS:
            break
        count = len(chunks)
    total = len(chunks)
    parts = tuple(_marker(i, total) + chunk for i, chunk in enumerate(chunks, 1))
    return Split(encoding, parts)


def _marker(index: int, total: int) -> str:
    return f"({index}/{total}) "


def _chunks(text: str, width: int, encoding: str) -> list[str]:
    """Greedy: whole words per chunk; whitespace at a break is dropped."""
    chunks: list[str] = []
    current = ""

    def flush() -> None:
        nonlocal current
        if current.strip():
            chunks.append(current.rstrip())
        current = ""

    for token in TOKENS.findall(text):
        if cost(current + token, encoding) <= width:
            current += token
            continue
        if token.isspace():
            flush()
            continue
        if cost(token, encoding) <= width:  # starts the next part whole
            flush()
            current = token
            continue
        if URL.match(token):  # longer than a part: at least give it parts of its own
            flush()
        for char in token:  # a word longer than a part must be cut
            if cost(current + char, encoding) > width:
                flush()
            current += char
    flush()
    return chunks

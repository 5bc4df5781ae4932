"""Which passwords a staff account may have (pure: no Flask, no database).

A staff account opens every report of its reach, names of reporters included, so its
password must survive the first guesses of anyone who tries: at least MIN_LENGTH
characters, not one of the most common passwords (the list Django ships, 19,640 entries
from Royce Williams' compilation of breached passwords, plus Indonesian words staff are
likely to pick) nor such a word with a few digits around it ("Password2024!"), not the
account's own e-mail, not one character or one block repeated, and not a run along the
digits, the alphabet or a keyboard row ("123456789012", "qwertyuiopas"). Comparisons ignore
case, spaces, dashes and dots, so "Password-1234" is refused like "password1234".

Messages are Indonesian message ids with placeholders, translated where they are shown
(`Refusal.render(gettext)`).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

MIN_LENGTH = 12
MAX_LENGTH = 256  # hashing a megabyte of "password" is a cheap denial of service
COMMON_LIST = Path(__file__).with_name("data") / "common-passwords.txt.gz"

# Said often enough in Indonesian offices to be among the first guesses; all lower case.
INDONESIAN_COMMON = frozenset(
    {
        "katasandi",
        "katasandi123",
        "katasandi1234",
        "katasandiku",
        "indonesia",
        "indonesia123",
        "indonesia1945",
        "indonesiaraya",
        "merahputih",
        "merahputih45",
        "merahputih1945",
        "bismillah",
        "bismillah123",
        "bismillah1234",
        "alhamdulillah",
        "assalamualaikum",
        "sayangkamu",
        "akucintakamu",
        "rahasia",
        "rahasia123",
        "rahasiaku",
        "rahasianegara",
        "pemerintah",
        "pemda12345678",
        "adminadmin",
        "admin12345678",
        "administrator",
        "aduanlangsung",
        "aduanlangsung123",
        "lapor12345678",
        "sp4nlapor",
        "jakarta123",
        "banjarmasin",
        "kalimantan",
        "kalimantanselatan",
        "selamatpagi",
        "selamatdatang",
    }
)

# Rows people slide a finger along; a run along one of these, either way, is no secret.
_RUNS = (
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)
_SEPARATORS = re.compile(r"[\s\-_.]+")


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; it is translated where shown."""
    return message


@dataclass(frozen=True)
class Refusal:
    """Why a password is refused: an Indonesian message id and its placeholders."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[..., str]) -> str:
        return translate(self.message, **self.params)


TOO_SHORT = N_("Kata sandi terlalu pendek: paling sedikit %(min)d karakter.")
TOO_LONG = N_("Kata sandi terlalu panjang: paling banyak %(max)d karakter.")
COMMON = N_(
    "Kata sandi ini termasuk yang paling sering dipakai dan mudah ditebak. Pilih yang lain, "
    "misalnya beberapa kata acak yang hanya Anda ketahui."
)
REPEATED = N_("Kata sandi tidak boleh berupa satu karakter atau satu pola yang diulang-ulang.")
SEQUENCE = N_(
    "Kata sandi tidak boleh berupa deretan angka, huruf atau tombol papan ketik (mis. 1234…)."
)
IS_EMAIL = N_("Kata sandi tidak boleh sama dengan alamat e-mail akun.")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower case, read once per process (about 20,000 entries)."""
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as lines:
        listed = {line.strip().lower() for line in lines if line.strip()}
    return frozenset(listed | INDONESIAN_COMMON)


def refusal(password: str, *, email: str | None = None) -> Refusal | None:
    """None when the password may be used, else the first reason it may not."""
    if len(password) < MIN_LENGTH:
        return Refusal(TOO_SHORT, {"min": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        return Refusal(TOO_LONG, {"max": MAX_LENGTH})
    folded = password.casefold()
    squeezed = _SEPARATORS.sub("", folded)
    if folded in common_passwords() or squeezed in common_passwords() or _common_core(squeezed):
        return Refusal(COMMON)
    if email and squeezed in {
        _SEPARATORS.sub("", email.casefold()),
        _SEPARATORS.sub("", email.casefold().split("@", 1)[0]),
    }:
        return Refusal(IS_EMAIL)
    if _is_repetition(squeezed or folded):
        return Refusal(REPEATED)
    if _is_run(squeezed):
        return Refusal(SEQUENCE)
    return None


_AFFIX = re.compile(r"^([^a-z]*)(.*?)([^a-z]*)$")


def _common_core(text: str) -> bool:
    """A common word dressed up with a few digits or signs ("Password2024!", "iloveyou1234"):
    the letters in the middle are listed and what surrounds them is short or itself a run."""
    prefix, core, suffix = _AFFIX.match(text).groups()
    if len(core) < 4 or core == text or core not in common_passwords():
        return False
    return all(len(a) <= 6 or _is_run(a) or _is_repetition(a) for a in (prefix, suffix) if a)


def _is_repetition(text: str) -> bool:
    """One character or one block repeated to the end ("aaaa…", "abcabcabcabc",
    "passwordpassword")."""
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )


def _is_run(text: str) -> bool:
    """The whole text walks one row (either way, wrapping around): "0123456789012"."""
    if len(text) < 2:
        return False
    for row in _RUNS:
        for line in (row, row[::-1]):
            start = line.find(text[0])
            if start < 0:
                continue
            wrapped = line * (len(text) // len(line) + 2)
            if wrapped[start : start + len(text)] == text:
                return True
    return False

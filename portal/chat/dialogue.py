"""The chat conversation as a pure state machine: one message in, the next state and the
answers out. No Flask, no database: `portal.chat.service` loads the conversation, gathers
the facts a step needs (the service point a code names, the photo just processed), calls
`advance`, then performs the effect it names and writes the answers.

Answers are Indonesian message ids (`Say`), translated by the service in the
conversation's language, because this module cannot know the reader's language.

Steps: idle → kind → text → photo → identity → (name) → confirm → idle. "BATAL" (or
"CANCEL") at any step starts over; a code (the whole message) at any step starts a new
report for that counter; `LAPOR <code> <text>` files at once (SMS one-shot).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from portal.intake.report import MAX_PHOTOS, SUBMISSION_KEY, TITLE_MIN, NewReport, Problem
from portal.plain_text import has_control
from qr.shortcode import ALPHABET, normalize


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; the service translates it."""
    return message


IDLE, KIND, TEXT, PHOTO, IDENTITY, NAME, CONFIRM, RATE_COMMENT = (
    "idle",
    "kind",
    "text",
    "photo",
    "identity",
    "name",
    "confirm",
    "rate_comment",
)
STEPS = (IDLE, KIND, TEXT, PHOTO, IDENTITY, NAME, CONFIRM, RATE_COMMENT)
TITLE_LENGTH = 80  # a title drawn from the first sentence, at most this long

# Effects the service performs after `advance`.
FILE = "file"  # file the report gathered in state.data
TO_CASE = "case"  # the message is for one of this number's cases
KEEP_PHOTO = "keep_photo"  # store the photo the service processed for this message
CLEAR_PHOTOS = "clear_photos"  # the draft's photos go (started over, cancelled)
RATE_COMMENT_EFFECT = "rate_comment"  # a comment on the rating just given

KINDS = (("1", "complaint"), ("2", "aspiration"), ("3", "information"))
KIND_LABELS = {
    "complaint": N_("Pengaduan"),
    "aspiration": N_("Aspirasi"),
    "information": N_("Permintaan informasi"),
}
KIND_WORDS = {
    "complaint": ("pengaduan", "aduan", "keluhan", "complaint"),
    "aspiration": ("aspirasi", "saran", "usul", "aspiration", "suggestion"),
    "information": ("informasi", "info", "permintaan informasi", "information"),
}
# identity id -> (anonymous, confidential, asks for a name)
IDENTITIES = {
    "1": (False, False, True),
    "2": (True, False, False),
    "3": (False, True, True),
    "4": (True, True, False),
}
IDENTITY_LABELS = {
    "1": N_("Biasa"),
    "2": N_("Anonim"),
    "3": N_("Rahasia"),
    "4": N_("Anonim + Rahasia"),
}
IDENTITY_WORDS = {
    "1": ("biasa", "normal", "regular"),
    "2": ("anonim", "anonymous"),
    "3": ("rahasia", "confidential"),
    "4": ("anonim + rahasia", "anonim+rahasia", "anonim rahasia", "anonymous + confidential"),
}

CANCEL_WORDS = frozenset({"batal", "cancel", "batalkan", "stop"})
YES_WORDS = frozenset({"ya", "yes", "y", "iya", "kirim", "send", "ok", "oke"})
SKIP_WORDS = frozenset(
    {"lewati", "selesai", "skip", "done", "lanjut", "tidak", "no", "sudah", "cukup"}
)
ENGLISH_SWITCH = frozenset({"en", "english", "inggris", "bahasa inggris"})
INDONESIAN_SWITCH = frozenset({"id", "indonesia", "bahasa indonesia", "bahasa", "indonesian"})
# Polite words around a language switch ("English please", "pakai bahasa Indonesia saja").
SWITCH_FILLERS = frozenset(
    {"please", "pls", "plz", "in", "tolong", "pakai", "mohon", "saja", "aja"}
)
ENGLISH_WORDS = frozenset(
    {"hello", "hi", "hey", "help", "report", "complaint", "start", "menu", "good morning"}
)
INDONESIAN_WORDS = frozenset(
    {
        "halo",
        "hai",
        "bantuan",
        "tolong",
        "lapor",
        "laporan",
        "mulai",
        "pengaduan",
        "selamat pagi",
        "selamat siang",
        "selamat sore",
        "selamat malam",
        "assalamualaikum",
        "permisi",
        "info",
    }
)
_CHARS = ALPHABET + ALPHABET.lower()
_CODE_TOKEN = re.compile(rf"(?<![A-Za-z0-9])([{_CHARS}]{{3}}[- ]?[{_CHARS}]{{3}})(?![A-Za-z0-9])")
_ONE_SHOT = re.compile(r"^\s*lapor\s+([A-Za-z0-9]{3}-?[A-Za-z0-9]{3})\s+(.+)$", re.I | re.S)
_RATING = re.compile(r"^\s*([1-5])\s*(?:/\s*5)?\s*[.!]?\s*$")


@dataclass(frozen=True)
class Say:
    """One answer: a message id with its placeholders, and WhatsApp choices (id, label id).
    A param given as {"msgid": id} is itself translated."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Message:
    """An inbound message, whatever the medium: `choice` is a button or list reply's id."""

    text: str = ""
    kind: str = "text"  # text | image | choice | other
    choice: str | None = None
    profile_name: str | None = None


@dataclass(frozen=True)
class Point:
    """The service point a code named, as the dialogue needs it."""

    code: str
    ids: tuple[str, str, str]
    name: str  # "Poli Umum, RSUD Ulin" — what the citizen is told
    region_id: str
    open: bool = True  # the region takes reports on this medium


@dataclass(frozen=True)
class Facts:
    """What the service found out before the step: the point the message's code names
    (None) or an unknown code it contains; the outcome of the photo it carried ("ok", a
    PhotoRejected reason, "download-failed"); the draft's photo count; the region's date."""

    point: Point | None = None
    unknown_code: str | None = None
    photo: str | None = None
    photo_count: int = 0
    today: date = date(2000, 1, 1)
    msisdn: str = ""
    medium: str = "whatsapp"


@dataclass(frozen=True)
class State:
    step: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    locale: str = "id"


@dataclass(frozen=True)
class Outcome:
    state: State
    says: tuple[Say, ...] = ()
    effect: str | None = None


# --- reading what the citizen wrote ------------------------------------------------------------


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w+]+", " ", (text or "").lower()).split())


_TRACKING = re.compile(rf"(?<![A-Za-z0-9])[A-Za-z]{{2,4}}-[{_CHARS}]{{6}}(?![A-Za-z0-9])")
_HYPHENATED = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9]{3}-[A-Za-z0-9]{3})(?![A-Za-z0-9])")
_SIX = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9]{6})(?![A-Za-z0-9])")


def without_tracking_codes(text: str) -> str:
    """The message with tracking codes (KSL-7K3Q9M) blanked: their six characters are no
    service code."""
    return _TRACKING.sub(" ", text or "")


def code_candidates(text: str) -> list[str]:
    """The canonical short codes the message could name, the whole message first."""
    found: list[str] = []
    text = without_tracking_codes(text)
    whole = normalize(text.strip()) if text else None
    if whole:
        found.append(whole)
    for match in _CODE_TOKEN.finditer(text or ""):
        code = normalize(match.group(1))
        if code and code not in found:
            found.append(code)
    one_shot = _ONE_SHOT.match(text or "")
    if one_shot and (code := normalize(one_shot.group(1))) and code not in found:
        found.insert(0, code)
    return found


def looks_like_code(text: str) -> str | None:
    """A token that is surely meant as a code (the whole message, a "K7Q-3MZ" with its
    hyphen, or six characters mixing letters and digits), for the "unknown code" answer;
    an ordinary six-letter word ("tunggu") is no code."""
    text = without_tracking_codes(text)
    stripped = (text or "").strip()
    if re.fullmatch(r"[A-Za-z0-9]{3}-?[A-Za-z0-9]{3}", stripped) and not stripped.isalpha():
        return stripped.upper()
    if normalize(stripped) and not stripped.isalpha():
        return stripped.upper()
    for match in _HYPHENATED.finditer(text or ""):
        return match.group(1).upper()
    for match in _SIX.finditer(text or ""):
        token = match.group(1)
        if re.search(r"[A-Za-z]", token) and re.search(r"[0-9]", token):
            return token.upper()
    one_shot = _ONE_SHOT.match(text or "")
    if one_shot:
        return one_shot.group(1).upper()
    return None


def is_cancel(text: str) -> bool:
    return _words(text) in CANCEL_WORDS


def language_switch(text: str) -> str | None:
    words = " ".join(w for w in _words(text).split() if w not in SWITCH_FILLERS)
    if words in ENGLISH_SWITCH:
        return "en"
    if words in INDONESIAN_SWITCH:
        return "id"
    return None


def greeting_language(text: str) -> str | None:
    """ "en" or "id" for a greeting or a plea for help in that language, else None."""
    words = _words(text)
    if not words:
        return None
    first_two = " ".join(words.split()[:2])
    for candidate in (words, first_two, words.split()[0]):
        if candidate in ENGLISH_WORDS:
            return "en"
        if candidate in INDONESIAN_WORDS:
            return "id"
    return None


def rating_of(text: str) -> int | None:
    """A lone digit 1–5 ("4", "4/5", "4.") is a rating."""
    match = _RATING.match(text or "")
    return int(match.group(1)) if match else None


def one_shot(text: str) -> tuple[str, str] | None:
    """`LAPOR K7Q3MZ <text>`: the code as typed and the report text."""
    match = _ONE_SHOT.match(text or "")
    if not match or not match.group(2).strip():
        return None
    return match.group(1), match.group(2).strip()


def derive_title(text: str) -> str:
    """The first sentence or line, blanks collapsed, cut at a word to TITLE_LENGTH."""
    stripped = (text or "").strip()
    first = re.split(r"(?<=[.!?])\s+|\n", stripped, maxsplit=1)[0]
    first = " ".join(first.split()).rstrip(".")
    if len(first) < TITLE_MIN:
        first = " ".join(stripped.split())
    if len(first) > TITLE_LENGTH:
        cut = first[: TITLE_LENGTH - 1]
        if " " in cut[TITLE_LENGTH // 2 :]:
            cut = cut[: cut.rfind(" ")]
        first = cut.rstrip(" ,;:-") + "…"
    return first


def _pick(message: Message, options: dict[str, tuple[str, ...]], numbers: tuple[str, ...]):
    """The option id a reply names: a button id, a number, or one of the option's words."""
    if message.choice and message.choice in numbers:
        return message.choice
    words = _words(message.text)
    if words in numbers:
        return words
    for option, names in options.items():
        if words in names:
            return option
    return None


# --- the answers -------------------------------------------------------------------------------


def valid_key(key: str) -> bool:
    return SUBMISSION_KEY.match(key or "") is not None


def new_key() -> str:
    """The submission key of one report, drawn when the conversation starts it: a replayed
    "YA" files nothing twice (submit_report returns the first receipt)."""
    return secrets.token_urlsafe(24)


HELP = N_(
    "Untuk melapor, kirim kode layanan yang tertera di poster, di bawah kode QR "
    "(6 huruf/angka, mis. K7Q-3MZ). Untuk menanggapi laporan Anda, tulis kode "
    "pelacakannya (mis. KSL-7K3Q9M) lalu pesan Anda. Balas EN for English."
)
HELP_BOTH = N_(
    "Kirim kode layanan dari poster (mis. K7Q-3MZ) untuk melapor. / Send the service code "
    "from the poster (e.g. K7Q-3MZ) to file a report. Balas EN for English, ID untuk "
    "Bahasa Indonesia."
)


def help_says(text: str, locale: str) -> tuple[Say, ...]:
    """Help in the citizen's language; in both when the message is in neither."""
    lang = greeting_language(text) or language_switch(text)
    if lang is None and not _is_plain_indonesian_or_english(text):
        return (Say(HELP_BOTH),)
    return (Say(HELP),)


_COMMON = frozenset(
    [
        "saya",
        "mau",
        "ingin",
        "tolong",
        "di",
        "ke",
        "yang",
        "dan",
        "ini",
        "itu",
        "tidak",
        "ada",
        "apa",
        "bagaimana",
        "kapan",
        "mohon",
        "terima",
        "kasih",
        "sudah",
        "belum",
        "i",
        "want",
        "to",
        "the",
        "a",
        "is",
        "of",
        "and",
        "please",
        "thank",
        "you",
        "my",
        "how",
        "what",
        "when",
    ]
)


def _is_plain_indonesian_or_english(text: str) -> bool:
    words = set(_words(text).split())
    return bool(words & _COMMON)


def unknown_code_says(typed: str) -> tuple[Say, ...]:
    return (
        Say(
            N_(
                "Kode %(code)s tidak kami kenali. Kode layanan terdiri dari 6 huruf/angka "
                "(mis. K7Q-3MZ) dan tertera di poster, di bawah kode QR. Periksa huruf dan "
                "angkanya, atau laporkan lewat situs web portal."
            ),
            {"code": typed[:20]},
        ),
    )


def kind_prompt(point_name: str | None = None) -> Say:
    choices = tuple((number, KIND_LABELS[kind]) for number, kind in KINDS)
    if point_name:
        return Say(
            N_(
                "Laporan untuk: %(unit)s.\nPilih jenis laporan:\n1. Pengaduan\n2. Aspirasi\n"
                "3. Permintaan informasi\nBalas 1, 2 atau 3. (BATAL untuk berhenti)"
            ),
            {"unit": point_name},
            choices,
        )
    return Say(
        N_(
            "Pilih jenis laporan:\n1. Pengaduan\n2. Aspirasi\n3. Permintaan informasi\n"
            "Balas 1, 2 atau 3."
        ),
        {},
        choices,
    )


TEXT_PROMPT = N_(
    "Tulis laporan Anda dalam satu pesan: apa yang terjadi, di mana dan kapan "
    "(paling sedikit 20 karakter). Kalimat pertama menjadi judulnya."
)
PHOTO_PROMPT = N_(
    "Kirim foto pendukung bila ada (paling banyak %(max)s), atau balas LEWATI untuk lanjut."
)
SKIP_CHOICE = (("LEWATI", N_("Lewati")),)
# The lead of a step's question asked again (the question itself ends "Balas 1, 2 atau 3.").
NOT_UNDERSTOOD = N_("Maaf, jawaban itu belum kami pahami.")
DONE_CHOICE = (("SELESAI", N_("Selesai")),)


def identity_prompt() -> Say:
    return Say(
        N_(
            "Bagaimana identitas Anda ditampilkan?\n"
            "1. Biasa: petugas melihat nama dan nomor Anda.\n"
            "2. Anonim: nama dan nomor Anda tidak ditampilkan kepada petugas.\n"
            "3. Rahasia: isi laporan tidak tampil di halaman umum.\n"
            "4. Anonim + Rahasia: keduanya.\n"
            "Balas 1, 2, 3 atau 4."
        ),
        {},
        tuple(IDENTITY_LABELS.items()),
    )


def name_prompt(profile_name: str | None) -> Say:
    if profile_name:
        return Say(
            N_("Tulis nama Anda, atau balas YA untuk memakai nama %(name)s."),
            {"name": profile_name[:60]},
            (("YA", N_("Ya")),),
        )
    return Say(N_("Tulis nama Anda."))


def summary(data: dict[str, Any], photo_count: int) -> Say:
    anonymous, _confidential, _asks = IDENTITIES[data["identity"]]
    description = data["description"]
    if len(description) > 300:
        description = description[:299] + "…"
    return Say(
        N_(
            "Periksa laporan Anda:\nUnit: %(unit)s\nJenis: %(kind)s\nJudul: %(title)s\n"
            "Isi: %(text)s\nFoto: %(photos)s\nIdentitas: %(identity)s%(name)s\n\n"
            "Balas YA untuk mengirim, atau BATAL untuk membatalkan."
        ),
        {
            "unit": data["point"]["name"],
            "kind": {"msgid": KIND_LABELS[data["kind"]]},
            "title": data["title"],
            "text": description,
            "photos": photo_count,
            "identity": {"msgid": IDENTITY_LABELS[data["identity"]]},
            "name": f" ({data['name']})" if data.get("name") and not anonymous else "",
        },
        (("YA", N_("Ya, kirim")), ("BATAL", N_("Batal"))),
    )


def prompt(state: State, facts: Facts) -> tuple[Say, ...]:
    """What the current step asks (after a language switch, or an unexpected answer)."""
    data = state.data
    if state.step == KIND:
        return (kind_prompt(data.get("point", {}).get("name")),)
    if state.step == TEXT:
        return (Say(TEXT_PROMPT),)
    if state.step == PHOTO:
        return (Say(PHOTO_PROMPT, {"max": MAX_PHOTOS}, SKIP_CHOICE),)
    if state.step == IDENTITY:
        return (identity_prompt(),)
    if state.step == NAME:
        return (name_prompt(data.get("profile_name")),)
    if state.step == CONFIRM:
        return (summary(data, facts.photo_count),)
    return (Say(HELP),)


# --- the machine -------------------------------------------------------------------------------


def start(point: Point, locale: str, profile_name: str | None) -> State:
    return State(
        KIND,
        {
            "point": {
                "code": point.code,
                "ids": list(point.ids),
                "name": point.name,
                "region_id": point.region_id,
            },
            "key": new_key(),
            "profile_name": profile_name,
        },
        locale,
    )


def timed_out(state: State) -> tuple[State, tuple[Say, ...]]:
    """A conversation abandoned halfway: back to idle, and the citizen is told."""
    return (
        State(IDLE, {}, state.locale),
        (
            Say(
                N_(
                    "Percakapan sebelumnya sudah lewat waktu; laporan yang belum selesai itu "
                    "tidak dikirim."
                )
            ),
        ),
    )


def _closed_point(point: Point) -> Say:
    return Say(
        N_(
            "%(unit)s belum menerima laporan lewat pesan ini. Laporkan lewat situs web "
            "portal: buka alamat yang tertera di poster, atau pindai kode QR-nya."
        ),
        {"unit": point.name},
    )


def _report_problems(text: str, facts: Facts, key: str) -> dict[str, Problem]:
    report = NewReport(
        submission_key=key,
        classification="complaint",
        title=derive_title(text),
        description=text,
        reporter_phone="+" + facts.msisdn if facts.msisdn else None,
        anonymous=True,
    )
    found = report.problems(today=facts.today)
    return {k: v for k, v in found.items() if k in ("title", "description")}


def _problem_say(problems: dict[str, Problem]) -> Say:
    first = problems.get("description") or next(iter(problems.values()))
    return Say(first.message, dict(first.params))


def advance(state: State, message: Message, facts: Facts) -> Outcome:
    """The next state and what to answer; `effect` names what the service must do."""
    text = (message.text or "").strip()
    switch = language_switch(text) if message.kind != "image" else None
    if switch is not None and state.step != TEXT and state.step != NAME:
        new = replace(state, locale=switch)
        head = (
            Say(N_("Baik, kami lanjutkan dalam Bahasa Indonesia."))
            if switch == "id"
            else Say(N_("OK, we continue in English."))
        )
        return Outcome(new, (head, *prompt(new, facts)))
    if message.kind != "image" and is_cancel(text):
        if state.step == IDLE:
            return Outcome(state, (Say(N_("Tidak ada laporan yang sedang dibuat.")), Say(HELP)))
        return Outcome(
            State(IDLE, {}, state.locale),
            (
                Say(
                    N_(
                        "Dibatalkan; laporan tidak dikirim. Kirim kode layanan dari poster "
                        "untuk mulai lagi."
                    )
                ),
            ),
            CLEAR_PHOTOS,
        )
    shot = one_shot(text) if message.kind != "image" else None
    if shot is not None:
        return _one_shot(state, shot, facts)
    whole_code = facts.point is not None and normalize(text) == facts.point.code
    if whole_code or (state.step == IDLE and facts.point is not None):
        point = facts.point
        if not point.open:
            return Outcome(State(IDLE, {}, state.locale), (_closed_point(point),), CLEAR_PHOTOS)
        new = start(point, state.locale, message.profile_name)
        effect = CLEAR_PHOTOS if state.step != IDLE else None
        return Outcome(new, (kind_prompt(point.name),), effect)
    handler = _STEPS.get(state.step, _idle)
    return handler(state, message, facts)


def _idle(state: State, message: Message, facts: Facts) -> Outcome:
    text = (message.text or "").strip()
    if message.kind == "image":
        return Outcome(
            state,
            (
                Say(
                    N_(
                        "Foto hanya dapat dikirim saat membuat laporan. Kirim kode layanan "
                        "dari poster untuk mulai melapor."
                    )
                ),
            ),
        )
    if facts.unknown_code:
        return Outcome(state, unknown_code_says(facts.unknown_code))
    lang = greeting_language(text)
    if lang is not None and len(text) <= 40:
        new = replace(state, locale=lang)
        return Outcome(new, (Say(HELP),))
    if not text:
        return Outcome(state, help_says(text, state.locale))
    return Outcome(state, (), TO_CASE)


def _kind(state: State, message: Message, facts: Facts) -> Outcome:
    picked = _pick(message, {n: KIND_WORDS[k] for n, k in KINDS}, tuple(n for n, _k in KINDS))
    if picked is None:
        return Outcome(state, (Say(NOT_UNDERSTOOD), kind_prompt()))
    data = {**state.data, "kind": dict(KINDS)[picked]}
    return Outcome(State(TEXT, data, state.locale), (Say(TEXT_PROMPT),))


def _text(state: State, message: Message, facts: Facts) -> Outcome:
    if message.kind == "image":
        return Outcome(state, (Say(N_("Tulis dulu laporan Anda; fotonya dikirim sesudahnya.")),))
    text = (message.text or "").strip()
    problems = _report_problems(text, facts, state.data.get("key", ""))
    if problems:
        return Outcome(state, (_problem_say(problems), Say(TEXT_PROMPT)))
    data = {**state.data, "title": derive_title(text), "description": text}
    return Outcome(
        State(PHOTO, data, state.locale), (Say(PHOTO_PROMPT, {"max": MAX_PHOTOS}, SKIP_CHOICE),)
    )


def _photo(state: State, message: Message, facts: Facts) -> Outcome:
    if message.kind == "image":
        if facts.photo_count >= MAX_PHOTOS:
            return _to_identity(state, Say(N_("Paling banyak %(max)s foto."), {"max": MAX_PHOTOS}))
        if facts.photo != "ok":
            return Outcome(state, (photo_problem(facts.photo or "not-image"),))
        count = facts.photo_count + 1
        if count >= MAX_PHOTOS:
            return _to_identity(
                state, Say(N_("Foto %(n)s tersimpan."), {"n": count}), effect=KEEP_PHOTO
            )
        return Outcome(
            state,
            (
                Say(
                    N_("Foto %(n)s tersimpan. Kirim foto lain, atau balas SELESAI untuk lanjut."),
                    {"n": count},
                    DONE_CHOICE,
                ),
            ),
            KEEP_PHOTO,
        )
    words = _words(message.choice or message.text)
    if words in SKIP_WORDS or (facts.photo_count and words in YES_WORDS):
        return _to_identity(state)
    if facts.photo_count:  # "LEWATI" would read as dropping the photos already kept
        return Outcome(
            state,
            (
                Say(
                    N_("Foto %(n)s tersimpan. Kirim foto lain, atau balas SELESAI untuk lanjut."),
                    {"n": facts.photo_count},
                    DONE_CHOICE,
                ),
            ),
        )
    return Outcome(
        state,
        (
            Say(
                N_("Kirim fotonya sebagai gambar, atau balas LEWATI untuk lanjut."), {}, SKIP_CHOICE
            ),
        ),
    )


def photo_problem(reason: str) -> Say:
    """Why the photo was not kept, and what to do; the step stays."""
    messages = {
        "too-large": N_("Foto itu terlalu besar. Kirim foto yang lebih kecil, atau balas LEWATI."),
        "too-many-pixels": N_(
            "Foto itu beresolusi terlalu besar. Kirim foto yang lebih kecil, atau balas LEWATI."
        ),
        "unsupported-format": N_(
            "Format foto itu tidak dapat kami terima. Kirim foto JPEG atau PNG, atau balas LEWATI."
        ),
        "download-failed": N_(
            "Foto itu tidak dapat kami ambil dari WhatsApp. Kirim lagi, atau balas LEWATI."
        ),
        "not-image": N_(
            "Berkas itu bukan foto yang dapat kami baca. Kirim foto JPEG atau PNG, atau balas "
            "LEWATI."
        ),
    }
    return Say(messages.get(reason, messages["not-image"]), {}, SKIP_CHOICE)


def _to_identity(state: State, *first: Say, effect: str | None = None) -> Outcome:
    return Outcome(
        State(IDENTITY, dict(state.data), state.locale), (*first, identity_prompt()), effect
    )


def _identity(state: State, message: Message, facts: Facts) -> Outcome:
    picked = _pick(message, IDENTITY_WORDS, tuple(IDENTITIES))
    if picked is None:
        return Outcome(state, (Say(NOT_UNDERSTOOD), identity_prompt()))
    data = {**state.data, "identity": picked}
    _anon, _conf, asks_name = IDENTITIES[picked]
    if asks_name:
        return Outcome(State(NAME, data, state.locale), (name_prompt(data.get("profile_name")),))
    data.pop("name", None)
    return Outcome(State(CONFIRM, data, state.locale), (summary(data, facts.photo_count),))


NAME_MAX_CHAT = 120


def _name(state: State, message: Message, facts: Facts) -> Outcome:
    text = " ".join((message.text or "").split())
    profile = state.data.get("profile_name")
    if profile and (message.choice == "YA" or _words(text) in YES_WORDS):
        text = profile
    if message.kind == "image" or len(text) < 2 or len(text) > NAME_MAX_CHAT:
        return Outcome(state, (Say(N_("Tulis nama Anda (2 sampai 120 karakter).")),))
    if has_control(text):  # a NUL would not even be stored (PostgreSQL), nobody types one
        return Outcome(
            state, (Say(N_("Nama memuat karakter tak terlihat. Ketik ulang nama Anda.")),)
        )
    data = {**state.data, "name": text[:NAME_MAX_CHAT]}
    return Outcome(State(CONFIRM, data, state.locale), (summary(data, facts.photo_count),))


def _confirm(state: State, message: Message, facts: Facts) -> Outcome:
    if message.choice == "YA" or _words(message.text) in YES_WORDS:
        return Outcome(state, (), FILE)
    return Outcome(state, (Say(N_("Balas YA untuk mengirim, atau BATAL untuk membatalkan.")),))


def _rate_comment(state: State, message: Message, facts: Facts) -> Outcome:
    words = _words(message.choice or message.text)
    if message.kind == "image" or words in SKIP_WORDS:
        return Outcome(
            State(IDLE, {}, state.locale), (Say(N_("Terima kasih atas penilaian Anda.")),)
        )
    return Outcome(state, (), RATE_COMMENT_EFFECT)


def _one_shot(state: State, shot: tuple[str, str], facts: Facts) -> Outcome:
    """`LAPOR <code> <text>`: a complaint, Anonim (no name is given), filed at once."""
    typed, text = shot
    if facts.point is None:
        return Outcome(State(IDLE, {}, state.locale), unknown_code_says(typed), CLEAR_PHOTOS)
    if not facts.point.open:
        return Outcome(State(IDLE, {}, state.locale), (_closed_point(facts.point),), CLEAR_PHOTOS)
    new = start(facts.point, state.locale, None)
    problems = _report_problems(text, facts, new.data["key"])
    if problems:
        return Outcome(
            State(IDLE, {}, state.locale),
            (
                _problem_say(problems),
                Say(
                    N_("Kirim lagi: LAPOR %(code)s <isi laporan>."),
                    {"code": facts.point.code},
                ),
            ),
            CLEAR_PHOTOS,
        )
    data = {
        **new.data,
        "kind": "complaint",
        "title": derive_title(text),
        "description": text,
        "identity": "2",
        "one_shot": True,
    }
    return Outcome(State(CONFIRM, data, state.locale), (), FILE)


_STEPS = {
    IDLE: _idle,
    KIND: _kind,
    TEXT: _text,
    PHOTO: _photo,
    IDENTITY: _identity,
    NAME: _name,
    CONFIRM: _confirm,
    RATE_COMMENT: _rate_comment,
}


def filed_says(data: dict[str, Any], *, receipt_follows: bool = False) -> tuple[Say, ...]:
    """The short "sent" line, only when no receipt was written with the report (a report
    held back by the abuse list gets none until an admin releases it): the receipt, with
    the tracking code and the private link (portal.notifications), already thanks the
    citizen and goes out first, so the line after it would only repeat it (and cost an SMS).
    It says nothing of what comes when."""
    says = []
    if not receipt_follows:
        says.append(
            Say(
                N_("Terima kasih, laporan Anda untuk %(unit)s sudah kami terima."),
                {"unit": data["point"]["name"]},
            )
        )
    if data.get("one_shot"):
        says.append(
            Say(
                N_(
                    "Laporan ini dikirim sebagai Anonim: nama Anda tidak dicantumkan. Untuk "
                    "laporan dengan nama, kirim kode layanannya saja dan ikuti pertanyaannya."
                )
            )
        )
    return tuple(says)


def report_of(data: dict[str, Any], *, msisdn: str, medium: str, locale: str) -> NewReport:
    """The NewReport the conversation gathered, as every channel builds one."""
    anonymous, confidential, _asks = IDENTITIES[data["identity"]]
    return NewReport(
        submission_key=data["key"],
        classification=data["kind"],
        title=data["title"],
        description=data["description"],
        reporter_name=None if anonymous else data.get("name"),
        reporter_phone="+" + msisdn,
        anonymous=anonymous,
        confidential=confidential,
        locale=locale,
        notify_via=medium,
    )

"""What a report must look like, whichever door it came through (web form, counter, API, chat).

Plain Python on purpose: every channel builds a `NewReport` and asks it for its `problems()`,
and `submit_report` asks again before storing, so no channel can accept what another
refuses. Messages are Indonesian message ids, translated where they are shown (the form,
an API error, a chat reply), because this module cannot know the reader's language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email

from portal.plain_text import has_control
from portal.routing.model import CLASSIFICATIONS, Bounds

TITLE_MIN, TITLE_MAX = 5, 150
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 5000
LOCATION_MAX = 200
NAME_MAX = 120
EMAIL_MAX = 254
ADDRESS_ID_MAX = 64
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # what secrets.token_urlsafe draws
MAX_PHOTOS = 3
NOTIFY_VIA = ("email", "whatsapp", "sms")
# Indonesian mobile and landline numbers as people write them: 0812 3456 7890, +62-812…
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")
# An incident date before this is a typo (or a script), not a case anyone can follow up.
EARLIEST_INCIDENT = date(1900, 1, 1)
# The free-text fields, and whether each may hold line breaks (see portal/plain_text.py).
TEXT_FIELDS = {
    "title": False,
    "description": True,
    "category": False,
    "location": False,
    "reporter_name": False,
    "reporter_phone": False,
    "reporter_email": False,
    "address_id": False,
}


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; it is translated where shown."""
    return message


CONTROL_PROBLEM = N_(
    "Isian ini memuat karakter tak terlihat (karakter kendali, mis. NUL) yang tidak dapat "
    "disimpan. Hapus lalu ketik ulang bagian yang disalin dari tempat lain."
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field: an Indonesian message id and its placeholders."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate) -> str:
        """The message in the reader's language, e.g. `problem.render(flask_babel.gettext)`."""
        text = translate(self.message)
        return text % dict(self.params) if self.params else text


@dataclass(frozen=True)
class NewReport:
    """What a citizen sends, already stripped of surrounding blanks by the channel."""

    submission_key: str
    classification: str
    title: str
    description: str
    category: str | None = None
    incident_date: date | None = None
    location: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_email: str | None = None
    anonymous: bool = False
    confidential: bool = False
    locale: str = "id"
    # How the citizen is told of progress: email, whatsapp or sms (NOTIFY_VIA); None when
    # they left no way (an Anonim report without contact details).
    notify_via: str | None = None
    # Where the problem is, when the door knows (the Open311 API): WGS84 degrees, both or
    # neither; `address_id` is the client's own id of an address, kept as sent.
    latitude: float | None = None
    longitude: float | None = None
    address_id: str | None = None

    def problems(
        self,
        *,
        today: date,
        categories: Collection[str] | None = None,
        photo_count: int = 0,
        bounds: Bounds | None = None,
    ) -> dict[str, Problem]:
        """Field name -> the first problem with it; empty when the report may be stored.

        `today` is the date where the report is filed (the region's own date), so a
        citizen in WIT filing at 07:00 may name today's date. `categories`: the ids the
        routing file knows (None skips the check). `bounds`: the region's box from the
        routing file; coordinates outside it are refused (None skips the check).
        """
        found: dict[str, Problem] = {}

        def check(name: str, problem: Problem | None) -> None:
            if problem is not None and name not in found:
                found[name] = problem

        # First, so the message names the invisible character rather than a length.
        for name, multiline in TEXT_FIELDS.items():
            if has_control(getattr(self, name), multiline=multiline):
                check(name, Problem(CONTROL_PROBLEM))
        # A replay of a key returns the first receipt, private link included: a channel
        # must draw keys nobody can guess, never take a short one from outside.
        if not SUBMISSION_KEY.match(self.submission_key or ""):
            check("submission_key", Problem(N_("Formulir tidak lengkap. Muat ulang halaman.")))
        if self.classification not in CLASSIFICATIONS:
            check("classification", Problem(N_("Pilih jenis laporan.")))
        check(
            "title",
            _text(
                self.title,
                TITLE_MIN,
                TITLE_MAX,
                N_("Judul wajib diisi."),
                N_("Judul harus %(min)s sampai %(max)s karakter."),
            ),
        )
        check(
            "description",
            _text(
                self.description,
                DESCRIPTION_MIN,
                DESCRIPTION_MAX,
                N_("Isi laporan wajib diisi."),
                N_("Isi laporan harus %(min)s sampai %(max)s karakter."),
            ),
        )
        if self.category and categories is not None and self.category not in categories:
            check("category", Problem(N_("Kategori tidak dikenal. Pilih dari daftar.")))
        if self.incident_date is not None and self.incident_date > today:
            check("incident_date", Problem(N_("Tanggal kejadian tidak boleh di masa depan.")))
        if self.incident_date is not None and self.incident_date < EARLIEST_INCIDENT:
            check(
                "incident_date",
                Problem(
                    N_("Tanggal kejadian paling awal %(year)s."), {"year": EARLIEST_INCIDENT.year}
                ),
            )
        check("location", _at_most(self.location, LOCATION_MAX))
        check("reporter_name", _at_most(self.reporter_name, NAME_MAX))
        if self.reporter_phone and not PHONE_PATTERN.match(self.reporter_phone):
            check("reporter_phone", Problem(N_("Nomor HP tidak valid (contoh: 0812 3456 7890).")))
        check("reporter_email", _email(self.reporter_email))
        if not self.anonymous:
            # Staff must be able to answer someone: a name, and a phone or an e-mail.
            if not (self.reporter_name or "").strip():
                check(
                    "reporter_name", Problem(N_("Nama wajib diisi, kecuali Anda memilih Anonim."))
                )
            if not (self.reporter_phone or self.reporter_email):
                check(
                    "reporter_phone",
                    Problem(N_("Isi nomor HP atau e-mail agar petugas dapat menghubungi Anda.")),
                )
        if self.notify_via is not None:
            if self.notify_via not in NOTIFY_VIA:
                check("notify_via", Problem(N_("Pilih cara pemberitahuan.")))
            elif self.notify_via == "email" and not self.reporter_email:
                check(
                    "notify_via", Problem(N_("Isi alamat e-mail untuk diberi tahu lewat e-mail."))
                )
            elif self.notify_via != "email" and not self.reporter_phone:
                check(
                    "notify_via",
                    Problem(N_("Isi nomor HP untuk diberi tahu lewat WhatsApp atau SMS.")),
                )
        check("latitude", _coordinates(self.latitude, self.longitude, bounds))
        check("address_id", _at_most(self.address_id, ADDRESS_ID_MAX))
        if photo_count > MAX_PHOTOS:
            check("photos", Problem(N_("Paling banyak %(max)s foto."), {"max": MAX_PHOTOS}))
        return found


def _coordinates(
    latitude: float | None, longitude: float | None, bounds: Bounds | None
) -> Problem | None:
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        return Problem(N_("Isi lintang dan bujur bersama-sama."))
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return Problem(N_("Lintang dan bujur harus berupa angka."))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return Problem(N_("Lintang harus -90 sampai 90 dan bujur -180 sampai 180."))
    if bounds is not None and not bounds.contains(latitude, longitude):
        return Problem(N_("Lokasi ini berada di luar wilayah layanan."))
    return None


def _text(value: str, low: int, high: int, required: str, length: str) -> Problem | None:
    text = (value or "").strip()
    if not text:
        return Problem(required)
    if not low <= len(text) <= high:
        return Problem(length, {"min": low, "max": high})
    return None


def _at_most(value: str | None, high: int) -> Problem | None:
    if value and len(value) > high:
        return Problem(N_("Paling banyak %(max)s karakter."), {"max": high})
    return None


def _email(value: str | None) -> Problem | None:
    if not value:
        return None
    if len(value) > EMAIL_MAX:
        return Problem(N_("Paling banyak %(max)s karakter."), {"max": EMAIL_MAX})
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return Problem(N_("Alamat e-mail tidak valid."))
    return None


class InvalidReport(ValueError):
    """A report that breaks the intake rules; `problems` says which fields and why."""

    def __init__(self, problems: Mapping[str, Problem]):
        super().__init__(", ".join(f"{name}: {p.message}" for name, p in problems.items()))
        self.problems = dict(problems)

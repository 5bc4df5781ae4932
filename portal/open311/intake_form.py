"""A GeoReport POST's form, read into the channel-neutral `NewReport`. Pure: no Flask.

Open311 names its fields its own way (`first_name`, `lat`, `attribute[title]` …); this
module maps them to the intake rules' names and back, so a client is told what is wrong in
the words of the form it sent ("lat: …", "attribute[title]: …"). The rules themselves stay
in `portal.intake.report`: what the web form refuses, the API refuses.

Defaults follow the service definition: classification `complaint`, the title from the
description's first line, `anonymous` / `confidential` false, `notify_via` from what was
given and what the region sends (`portal.messaging.choice`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.intake.report import N_, TITLE_MAX, NewReport, Problem
from portal.messaging.choice import EMAIL, SMS, WHATSAPP, default_notify_via
from portal.routing.model import Bounds

ATTRIBUTES = (
    "classification",
    "title",
    "category",
    "incident_date",
    "anonymous",
    "confidential",
    "notify_via",
)
ATTRIBUTE_NAME = re.compile(r"^attribute\[(.*)\]$", re.DOTALL)
UNKNOWN_SHOWN = 10  # unknown attributes named in one answer
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# The intake rules' field -> the Open311 field a client sent it in.
OPEN311_FIELD = {
    "classification": "attribute[classification]",
    "title": "attribute[title]",
    "category": "attribute[category]",
    "incident_date": "attribute[incident_date]",
    "anonymous": "attribute[anonymous]",
    "confidential": "attribute[confidential]",
    "notify_via": "attribute[notify_via]",
    "description": "description",
    "location": "address_string",
    "address_id": "address_id",
    "reporter_name": "first_name",
    "reporter_phone": "phone",
    "reporter_email": "email",
    "latitude": "lat",
    "longitude": "long",
    "photos": "media_url",
    "submission_key": "Idempotency-Key",
}
NOT_A_NUMBER = N_("Lintang dan bujur harus berupa angka.")


@dataclass(frozen=True)
class Place:
    """What the form needs of the region it files into (plain values)."""

    timezone: str
    whatsapp: bool
    sms: bool
    bounds: Bounds | None = None


@dataclass(frozen=True)
class ParsedForm:
    """The report as read, and every problem under its Open311 field name."""

    report: NewReport
    media_url: str | None
    problems: dict[str, Problem]


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def default_title(description: str) -> str:
    """The description's first line, cut to TITLE_MAX at a word where one ends."""
    line = next((part.strip() for part in description.splitlines() if part.strip()), "")
    if len(line) <= TITLE_MAX:
        return line
    cut = line[: TITLE_MAX + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > TITLE_MAX // 2 else line[:TITLE_MAX]).rstrip()


def _flag(value: str | None) -> bool | None:
    """true/false (any case) -> bool; empty -> False; anything else -> None (refused)."""
    text = (value or "").strip().lower()
    if not text:
        return False
    return {"true": True, "false": False}.get(text)


def _coordinate(value: str | None) -> tuple[float | None, bool]:
    """(degrees or None, readable?). "NaN"/"inf" read as floats; the rules refuse them."""
    text = (value or "").strip()
    if not text:
        return None, True
    try:
        return float(text), True
    except ValueError:
        return None, False


def parse_incident_date(value: str, timezone: str) -> date | None:
    """YYYY-MM-DD, or an ISO date-time taken as the date in the region's zone."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(ZoneInfo(timezone))
        except (OverflowError, ValueError):  # 9999-12-31T23:59-14:00 is past year 9999 here
            return None
    return moment.date()


def parse_form(
    form: Mapping[str, str],
    *,
    submission_key: str,
    locale: str,
    place: Place,
    today: date,
    categories: Collection[str],
) -> ParsedForm:
    """Read the form and check it; `problems` is empty when the report may be stored."""
    problems: dict[str, Problem] = {}
    attributes: dict[str, str] = {}
    for name, value in form.items():
        match = ATTRIBUTE_NAME.match(name)
        if match is None:
            continue
        code = match.group(1)
        if code in ATTRIBUTES:
            attributes[code] = value
        elif len(problems) < UNKNOWN_SHOWN:  # a form of thousands answers a few lines
            # refused, not ignored: a misspelt attribute[anonymus] must not file a name
            problems.setdefault(field_name(name), Problem(N_("Atribut ini tidak dikenal.")))

    description = (form.get("description") or "").strip()
    given_title = _clean(attributes.get("title"))
    title = given_title or default_title(description)

    flags: dict[str, bool] = {}
    for name in ("anonymous", "confidential"):
        flag = _flag(attributes.get(name))
        if flag is None:
            problems[f"attribute[{name}]"] = Problem(N_("Isi true atau false."))
        flags[name] = bool(flag)

    incident = None
    raw_date = _clean(attributes.get("incident_date"))
    if raw_date:
        incident = parse_incident_date(raw_date, place.timezone)
        if incident is None:
            problems["attribute[incident_date]"] = Problem(
                N_("Tanggal kejadian tidak valid (contoh: 2026-12-01).")
            )

    latitude, lat_ok = _coordinate(form.get("lat"))
    longitude, long_ok = _coordinate(form.get("long"))
    for name, ok in (("lat", lat_ok), ("long", long_ok)):
        if not ok:
            problems[name] = Problem(NOT_A_NUMBER)

    first, last = _clean(form.get("first_name")), _clean(form.get("last_name"))
    name = " ".join(part for part in (first, last) if part) or None
    email, phone = _clean(form.get("email")), _clean(form.get("phone"))
    offered = {EMAIL} | ({WHATSAPP} if place.whatsapp else set()) | ({SMS} if place.sms else set())
    notify_via = _clean(attributes.get("notify_via"))
    if notify_via is not None and notify_via not in offered:
        problems["attribute[notify_via]"] = Problem(N_("Pilih cara pemberitahuan."))
    if notify_via is None:
        notify_via = default_notify_via(
            email=bool(email),
            phone=bool(phone),
            region_whatsapp=place.whatsapp,
            region_sms=place.sms,
        )

    location, address_id = _clean(form.get("address_string")), _clean(form.get("address_id"))
    report = NewReport(
        submission_key=submission_key,
        classification=_clean(attributes.get("classification")) or "complaint",
        title=title,
        description=description,
        category=_clean(attributes.get("category")),
        incident_date=incident,
        location=location,
        reporter_name=name,
        reporter_phone=phone,
        reporter_email=email,
        anonymous=flags["anonymous"],
        confidential=flags["confidential"],
        locale=locale,
        notify_via=notify_via,
        latitude=latitude if lat_ok and long_ok else None,
        longitude=longitude if lat_ok and long_ok else None,
        address_id=address_id,
    )
    given_point = latitude is not None or longitude is not None or not (lat_ok and long_ok)
    if not (given_point or location or address_id):
        problems["location"] = Problem(
            N_("Isi lokasi: lat dan long, address_string, atau address_id.")
        )
    media_url = _clean(form.get("media_url"))
    found = report.problems(
        today=today,
        categories=categories,
        photo_count=1 if media_url else 0,
        bounds=place.bounds,
    )
    for rule_name, problem in found.items():
        field = OPEN311_FIELD.get(rule_name, rule_name)
        if rule_name == "latitude" and latitude is not None and longitude is None:
            field = "long"
        if field == "attribute[title]" and given_title is None and "description" in found:
            continue  # the title was the description's: one message about it is enough
        problems.setdefault(field, problem)
    return ParsedForm(report=report, media_url=media_url, problems=problems)


def field_name(name: str) -> str:
    """A field name fit to quote back in an error: printable, at most 60 characters."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in name)
    return shown if len(shown) <= 60 else shown[:57] + "..."

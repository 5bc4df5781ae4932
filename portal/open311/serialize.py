"""Service points, service definitions and published reports as GeoReport v2 fields.

Plain dicts in the spec's field order; portal/open311/formats.py writes them as JSON or
XML. A report's answer is built field by field from what may be public: nothing about the
reporter, no internal note, no citizen text, no rating comment, no assignee, no token.
The report text, address and coordinates appear only when the region's `public_text` is
on, its photos only when `public_photos` is.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask_babel import gettext as _

from portal.clocks.deadlines import zone
from portal.clocks.due import NO_DEADLINE
from portal.complaints import status as s
from portal.complaints.labels import CLASSIFICATION_LABELS, public_label
from portal.complaints.models import Complaint, Event
from portal.open311.publication import is_published
from portal.routing.engine import DEFAULT_TIMEZONE, Router
from portal.routing.model import CLASSIFICATIONS, Region, ServicePoint
from qr.shortcode import format_code

PUBLIC_TEXT_LIMIT = 4000
TITLE_LIMIT = (5, 150)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
API_PATH = "/open311/v2"
DUPLICATE_EVENT = "reject_duplicate"  # its note names the original (portal/cases)


def local_iso(instant: datetime, timezone: str) -> str:
    """ISO 8601 in the region's offset, to the second: 2026-12-03T15:04:05+08:00."""
    return instant.astimezone(zone(timezone)).replace(microsecond=0).isoformat()


def service_code(point: ServicePoint) -> str:
    return format_code(point.short_code)


def service_name(point: ServicePoint) -> str:
    return f"{point.service.name} \u2013 {point.unit.name}"


def service_item(point: ServicePoint) -> dict[str, Any]:
    return {
        "service_code": service_code(point),
        "service_name": service_name(point),
        "description": ", ".join(
            (point.service.name, point.unit.name, point.agency.name, point.region.name)
        ),
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join((point.region.id, point.agency.id, point.unit.id, point.service.id)),
        "group": point.agency.name,
        "jurisdiction_id": point.region.id,
    }


# --- the service definition: the attributes a POST may carry ---------------------------------


def _attribute(
    order: int,
    code: str,
    datatype: str,
    description: str,
    datatype_description: str,
    values: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": False,
        "datatype_description": datatype_description,
        "order": order,
        "description": description,
    }
    if values is not None:
        attribute["values"] = [{"key": key, "name": name} for key, name in values]
    return attribute


def notify_channels(region: Region) -> list[str]:
    """The ways this region can tell the citizen: e-mail always, phone ones if it has them."""
    return ["email"] + (["whatsapp"] if region.whatsapp else []) + (["sms"] if region.sms else [])


def service_definition(point: ServicePoint, router: Router) -> dict[str, Any]:
    yes_no = [("true", _("Ya")), ("false", _("Tidak"))]
    channel_names = {"email": _("E-mail"), "whatsapp": "WhatsApp", "sms": "SMS"}
    low, high = TITLE_LIMIT
    attributes = [
        _attribute(
            1,
            "classification",
            "singlevaluelist",
            _("Jenis laporan"),
            _("Salah satu kunci; bawaan: complaint (Pengaduan)."),
            [(key, str(CLASSIFICATION_LABELS[key])) for key in CLASSIFICATIONS],
        ),
        _attribute(
            2,
            "title",
            "string",
            _("Judul laporan"),
            _(
                "%(low)d sampai %(high)d karakter; bawaan: baris pertama deskripsi, "
                "dipotong menjadi %(high)d karakter pada batas kata.",
                low=low,
                high=high,
            ),
        ),
        _attribute(
            3,
            "category",
            "singlevaluelist",
            _("Kategori"),
            _("Salah satu kunci kategori; boleh kosong."),
            [(c.id, c.name) for c in router.categories],
        ),
        _attribute(
            4,
            "incident_date",
            "datetime",
            _("Tanggal kejadian"),
            _(
                "YYYY-MM-DD atau tanggal-waktu ISO 8601 (tanggal di zona waktu daerah); "
                "tidak boleh di masa depan."
            ),
        ),
        _attribute(
            5,
            "anonymous",
            "singlevaluelist",
            _("Anonim"),
            _("true: nama pelapor tidak disimpan dan identitasnya disembunyikan dari unit."),
            yes_no,
        ),
        _attribute(
            6,
            "confidential",
            "singlevaluelist",
            _("Rahasia"),
            _("true: laporan tidak pernah tampil di jawaban publik mana pun."),
            yes_no,
        ),
        _attribute(
            7,
            "notify_via",
            "singlevaluelist",
            _("Kabari pelapor lewat"),
            _(
                "Bawaan: email bila e-mail diisi, selain itu WhatsApp atau SMS bila daerah "
                "memakainya dan nomor HP diisi."
            ),
            [(key, channel_names[key]) for key in notify_channels(point.region)],
        ),
    ]
    return {"service_code": service_code(point), "attributes": attributes}


# --- a published report -------------------------------------------------------------------------


def status_note(complaint: Complaint) -> Event | None:
    """The latest public event staff wrote a note on (never an internal note, never the
    citizen's own text)."""
    notes = [
        e
        for e in complaint.events
        if e.public and e.actor_user_id is not None and e.note and _may_show(complaint, e)
    ]
    return max(notes, key=lambda e: (e.created_at, e.id)) if notes else None


def _may_show(complaint: Complaint, event: Event) -> bool:
    """A duplicate's note is the original's tracking code: shown only while the original
    is itself published, or the answer would confirm an unverified, quarantined (or since
    transferred) report exists."""
    if event.kind != DUPLICATE_EVENT:
        return True
    original = complaint.duplicate_of
    return original is not None and is_published(original)


def last_public_change(complaint: Complaint) -> datetime:
    times = [e.created_at for e in complaint.events if e.public]
    return max(times, default=complaint.submitted_at)


def expected_at(complaint: Complaint, timezone: str) -> str | None:
    """The running deadline, the end of its day in the region's zone; None when none runs."""
    if complaint.status not in s.RUNNING or complaint.due_key == NO_DEADLINE:
        return None
    end = datetime.combine(complaint.due_key, time(23, 59, 59), tzinfo=zone(timezone))
    return end.isoformat()


def public_description(complaint: Complaint, region: Region | None) -> str:
    if region is None or not region.public_text:
        if title_is_text(complaint.title, complaint.description):
            return str(CLASSIFICATION_LABELS.get(complaint.classification, complaint.title))
        return complaint.title
    return f"{complaint.title}\n\n{complaint.description}"[:PUBLIC_TEXT_LIMIT]


def title_is_text(title: str, description: str) -> bool:
    """A title the channel took from the text (Open311 without attribute[title], WhatsApp,
    SMS): the start of the description, so publishing it would publish the text itself,
    a name or a number the citizen wrote in the first line included, where the region
    keeps the text private."""
    words = " ".join((title or "").split()).rstrip("\u2026").rstrip(" .,;:-")
    return bool(words) and " ".join((description or "").split()).startswith(words)


def media_url(complaint: Complaint, region: Region | None, base_url: str) -> str | None:
    if region is None or not region.public_photos or not complaint.photos:
        return None
    return f"{base_url}{API_PATH}/media/{complaint.tracking_code}/1.jpg"


def request_item(complaint: Complaint, router: Router, base_url: str) -> dict[str, Any]:
    """A published report as the spec's `request`; only public fields, by construction."""
    region = router.region(complaint.region_id)
    timezone = region.timezone if region is not None else DEFAULT_TIMEZONE
    text_public = region is not None and region.public_text
    origin = router.find_service_point(
        complaint.origin_agency_id, complaint.origin_unit_id, complaint.origin_service_id
    )
    note = status_note(complaint)
    return {
        "service_request_id": complaint.tracking_code,
        "status": "open" if complaint.status in s.OPEN else "closed",
        "status_notes": note.note if note is not None else None,
        "service_name": service_name(origin) if origin is not None else None,
        "service_code": service_code(origin) if origin is not None else None,
        "description": public_description(complaint, region),
        "agency_responsible": router.agency_name(complaint.agency_id),
        "service_notice": public_label(complaint.status),
        "requested_datetime": local_iso(complaint.submitted_at, timezone),
        "updated_datetime": local_iso(last_public_change(complaint), timezone),
        "expected_datetime": expected_at(complaint, timezone),
        "address": complaint.location if text_public else None,
        "address_id": complaint.address_id if text_public else None,
        "zipcode": None,
        "lat": complaint.latitude if text_public else None,
        "long": complaint.longitude if text_public else None,
        "media_url": media_url(complaint, region, base_url),
        "jurisdiction_id": complaint.region_id,
    }


# --- discovery -------------------------------------------------------------------------------


def discovery(router: Router, base_url: str, changeset: str) -> dict[str, Any]:
    contacts = [
        f"{region.name}: {region.contacts[0].email}" for region in router.regions if region.contacts
    ]
    return {
        "changeset": changeset,
        "contact": "; ".join(contacts) or _("Admin pengaduan daerah"),
        "key_service": _(
            "Minta kunci API kepada admin daerah Anda; kunci hanya ditampilkan sekali."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base_url}{API_PATH}",
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
        "jurisdictions": [
            {
                "jurisdiction_id": region.id,
                "name": region.name,
                "public_text": region.public_text,
                "public_photos": region.public_photos,
            }
            for region in router.regions
        ],
    }

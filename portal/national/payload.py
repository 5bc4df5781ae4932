"""What LAPOR! staff would key in for a case, taken from memory when the change happens.

This runs inside every submission and every case action, so it reads only the complaint
object already loaded, its events already in the session, and the routing names the
router keeps in memory: no query of its own.

Never in the payload: the reporter's name, phone number (as typed or canonical) or e-mail
address. An Anonim report must stay anonymous outside the portal too, and LAPOR! has no
need of them: the national admin reaches the citizen through the portal, by the tracking
code (the citizen follows up with their private link). The flags `anonim` and `rahasia`
always travel, so LAPOR! applies the same protection on its side.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale

from portal.complaints import labels
from portal.complaints.models import Complaint, Event
from portal.routing.active import get_router

NATIONAL_TARGET = "sp4n-lapor"  # complaint.forwarded_to when handed to LAPOR! itself
NOT_AUTHORITY = "not-authority"
PAYLOAD_VERSION = 1

# The fields, in the order of the CSV export's columns.
FIELDS = (
    "kode_pelacakan",
    "jenis_kejadian",
    "waktu_kejadian",
    "status",
    "status_label",
    "judul",
    "isi",
    "tanggal_lapor",
    "tanggal_kejadian",
    "lokasi",
    "klasifikasi",
    "klasifikasi_label",
    "perlu_pengawasan",
    "kategori_id",
    "kategori_nama",
    "daerah_id",
    "daerah_nama",
    "instansi_id",
    "instansi_nama",
    "unit_id",
    "unit_nama",
    "anonim",
    "rahasia",
    "tindak_lanjut",
    "reroute_nasional",
    "diteruskan_ke",
    "alasan_penolakan",
    "versi",
)
# Never sent, whatever is added to the payload later (checked by build_payload).
REPORTER_FIELDS = (
    "reporter_name",
    "reporter_phone",
    "reporter_msisdn",  # the same number, canonical (WhatsApp/SMS reporters)
    "reporter_email",
)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _names(complaint: Complaint) -> dict[str, str | None]:
    """Region, agency, unit and category names from the active routing version (memory)."""
    router = get_router()
    region = router.region(complaint.region_id)
    agency = router.agency(complaint.agency_id)
    unit = router.unit(complaint.agency_id, complaint.unit_id)
    category = router.category(complaint.category) if complaint.category else None
    return {
        "daerah_nama": region.name if region else None,
        "instansi_nama": agency.name if agency else None,
        "unit_nama": unit.name if unit else None,
        "kategori_nama": category.name if category else None,
    }


def latest_response(complaint: Complaint) -> str | None:
    """The text of the newest staff response (the public follow-up), if any."""
    for event in reversed(complaint.events):
        if event.kind == "respond":
            return event.note
    return None


def needs_national_reroute(complaint: Complaint) -> bool:
    """Not this region's authority, or forwarded on: LAPOR!'s admin routes it onward."""
    return complaint.reject_reason == NOT_AUTHORITY or bool(complaint.forwarded_to)


def build_payload(complaint: Complaint, kind: str, at: datetime) -> dict[str, Any]:
    """The snapshot for one mirrored event; `kind` is the event, `at` its time."""
    with force_locale("id"):  # LAPOR!'s vocabulary is Indonesian, whoever acted
        status_label = labels.label(complaint.status)
        classification_label = labels.classification_label(complaint.classification)
    # A new report cannot have a response yet; skip the events list on the hot path.
    follow_up = None if kind == "submitted" else latest_response(complaint)
    payload: dict[str, Any] = {
        "kode_pelacakan": complaint.tracking_code,
        "jenis_kejadian": kind,
        "waktu_kejadian": _iso(at),
        "status": complaint.status,
        "status_label": status_label,
        "judul": complaint.title,
        "isi": complaint.description,
        "tanggal_lapor": _iso(complaint.submitted_at),
        "tanggal_kejadian": _iso(complaint.incident_date),
        "lokasi": complaint.location,
        "klasifikasi": complaint.classification,
        "klasifikasi_label": classification_label,
        "perlu_pengawasan": bool(complaint.supervised),
        "kategori_id": complaint.category,
        "daerah_id": complaint.region_id,
        "instansi_id": complaint.agency_id,
        "unit_id": complaint.unit_id,
        "anonim": bool(complaint.anonymous),
        "rahasia": bool(complaint.confidential),
        "tindak_lanjut": follow_up,
        "reroute_nasional": needs_national_reroute(complaint),
        "diteruskan_ke": complaint.forwarded_to,
        "alasan_penolakan": complaint.reject_reason,
        "versi": PAYLOAD_VERSION,
        **_names(complaint),
    }
    assert not set(payload) & set(REPORTER_FIELDS), "the reporter never leaves the portal"
    return {name: payload[name] for name in FIELDS}


def event_payload(complaint: Complaint, event: Event) -> dict[str, Any]:
    """The snapshot for a case event just added to the complaint."""
    return build_payload(complaint, event.kind, event.created_at)


def document_of(item) -> dict[str, Any]:
    """What is delivered for one mirror item: its stable key, then the snapshot."""
    return {"kunci": item.idempotency_key, **json.loads(item.payload_json)}

"""Shared by the SP4N-LAPOR! mirror tests: read the mirror rows, make cases and items."""

from __future__ import annotations

import itertools
import json

from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.national.mirror_rows import mirror_submitted
from portal.national.models import FAILED, NationalMirrorItem
from tests.factories import stored_complaint

_serial = itertools.count(1)


def items(**where) -> list[NationalMirrorItem]:
    """Mirror rows (fresh from the database), oldest first."""
    db.session.expire_all()
    stmt = select(NationalMirrorItem).filter_by(**where).order_by(NationalMirrorItem.id)
    return list(db.session.execute(stmt).scalars())


def items_of(code: str) -> list[NationalMirrorItem]:
    db.session.expire_all()
    stmt = (
        select(NationalMirrorItem)
        .join(Complaint, Complaint.id == NationalMirrorItem.complaint_id)
        .where(Complaint.tracking_code == code)
        .order_by(NationalMirrorItem.id)
    )
    return list(db.session.execute(stmt).scalars())


def payload(item: NationalMirrorItem) -> dict:
    return json.loads(item.payload_json)


def case_in(region: str, *, failed: bool = False, error: str = "HTTP 400: ditolak") -> int:
    """A case of another region (inserted directly) with its mirror item; returns the item id.

    HST: RSUD Damanhuri, IGD. Kalimantan Selatan: RSUD Ulin, Poli Umum.
    """
    agency, unit = {"hst": ("rsud-damanhuri", "igd"), "kalsel": ("rsud-ulin", "poli-umum")}[region]
    complaint = stored_complaint(
        region=region,
        agency=agency,
        unit=unit,
        title=f"Laporan uji {region} {next(_serial)}",
        description="Pelayanan lambat.",
        commit=False,
    )
    item = mirror_submitted(complaint)
    if failed:
        item.status, item.attempts, item.last_error = FAILED, 12, error
    db.session.commit()
    return item.id

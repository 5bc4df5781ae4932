"""Read-side lookups of complaints that are not scoped to a staff member."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.complaints.models import Complaint
from portal.extensions import db


def by_tracking_code(code: str) -> Complaint | None:
    stmt = (
        select(Complaint)
        .where(Complaint.tracking_code == code)
        .options(selectinload(Complaint.events), selectinload(Complaint.photos))
    )
    return db.session.execute(stmt).scalar_one_or_none()

"""The door every staff query about complaints goes through.

Every staff query starts from `visible_complaints(user)`: a regional admin of one region
never sees another region's data, whatever URL they type. How far an account reaches is
decided once, in `portal.accounts.reach`.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.complaints.models import Complaint
from portal.extensions import db


def visible_complaints(user: User) -> Select:
    return reach_of(user).filter(
        select(Complaint), Complaint.region_id, Complaint.agency_id, Complaint.unit_id
    )


def admin_region(user: User) -> str | None:
    """For the pages of a region's deliveries (failed e-mail, the SP4N-LAPOR! mirror):
    None for every region (super-admin), the admin's own region, or 403 for anyone else."""
    reach = reach_of(user)
    if reach.everything:
        return None
    if user.role == roles.REGIONAL_ADMIN and reach.region_id:
        return reach.region_id
    abort(403)


def complaint_or_404(user: User, tracking_code: str) -> Complaint:
    """A case the user may see, or 404 — never 403, which would confirm that it exists."""
    stmt = visible_complaints(user).where(Complaint.tracking_code == tracking_code.upper())
    complaint = db.session.execute(stmt).scalar_one_or_none()
    if complaint is None:
        abort(404)
    return complaint

"""The one place that decides which cases a staff member may see.

Every staff query starts from `visible_complaints(user)`: a regional admin of one region
never sees another region's data, whatever URL they type.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select

from portal.accounts import roles
from portal.accounts.models import User
from portal.complaints.models import Complaint
from portal.extensions import db


def visible_complaints(user: User) -> Select:
    stmt = select(Complaint)
    if user.role == roles.SUPER_ADMIN:
        return stmt
    if user.role in (roles.REGIONAL_ADMIN, roles.LEADER) and user.region_id:
        return stmt.where(Complaint.region_id == user.region_id)
    if user.role == roles.AGENCY_OFFICER and user.agency_id:
        return stmt.where(Complaint.agency_id == user.agency_id)
    if user.role == roles.UNIT_OFFICER and user.agency_id and user.unit_id:
        return stmt.where(Complaint.agency_id == user.agency_id, Complaint.unit_id == user.unit_id)
    return stmt.where(false())


def admin_region(user: User) -> str | None:
    """For the pages of a region's deliveries (failed e-mail, the SP4N-LAPOR! mirror):
    None for every region (super-admin), the admin's own region, or 403 for anyone else."""
    if user.role == roles.SUPER_ADMIN:
        return None
    if user.role == roles.REGIONAL_ADMIN and user.region_id:
        return user.region_id
    abort(403)


def complaint_or_404(user: User, tracking_code: str) -> Complaint:
    """A case the user may see, or 404 — never 403, which would confirm that it exists."""
    stmt = visible_complaints(user).where(Complaint.tracking_code == tracking_code.upper())
    complaint = db.session.execute(stmt).scalar_one_or_none()
    if complaint is None:
        abort(404)
    return complaint

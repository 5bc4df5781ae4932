"""The door every staff query about complaints goes through.

Every staff query starts from `visible_complaints(user)`: a regional admin of one region
never sees another region's data, whatever URL they type. How far an account reaches is
decided once, in `portal.accounts.reach`.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, and_, select

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.open311.models import ApiKey, ApiPost


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


def visible_api_keys(user: User) -> Select:
    """The Open311 keys an admin manages: every key (super admin), or the keys of exactly
    the admin's own region (regional admin): a key that also reaches another region, or
    every region, is that region's business too, so only the super admin holds it.
    403 for anyone else."""
    region_id = admin_region(user)
    stmt = select(ApiKey)
    return stmt if region_id is None else stmt.where(ApiKey.regions == region_id)


def api_key_or_404(user: User, api_key_id: int) -> ApiKey:
    """A key the admin manages, or 404 (403 first for accounts that manage none)."""
    key = db.session.execute(
        visible_api_keys(user).where(ApiKey.id == api_key_id)
    ).scalar_one_or_none()
    if key is None:
        abort(404)
    return key


def visible_api_posts(user: User, api_key_id: int, limit: int = 20) -> Select:
    """The latest POSTs with a key the admin manages (none for another's), newest first, as
    (ApiPost, tracking code or None): the code only of a case the user may see (one moved
    to another region since shows none)."""
    keys = visible_api_keys(user).with_only_columns(ApiKey.id)
    reach = reach_of(user)
    seen = and_(
        Complaint.id == ApiPost.complaint_id,
        reach.condition(Complaint.region_id, Complaint.agency_id, Complaint.unit_id),
    )
    return (
        select(ApiPost, Complaint.tracking_code)
        .outerjoin(Complaint, seen)
        .where(ApiPost.api_key_id == api_key_id, ApiPost.api_key_id.in_(keys))
        .order_by(ApiPost.received_at.desc(), ApiPost.id.desc())
        .limit(limit)
    )

"""Which Open311 keys, and which of their POSTs, a staff account may see.

Built on the one door (`portal.staff.scoping.admin_region`, `portal.accounts.reach`), in
this feature's folder rather than in portal.staff, so portal.staff never imports the
Open311 package (which itself files reports through packages that import portal.staff).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, and_, select

from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.open311.models import ApiKey, ApiPost
from portal.staff.scoping import admin_region


def visible_api_keys(user: User) -> Select:
    """The keys an admin manages: every key (super admin), or the keys of exactly the
    admin's own region (regional admin): a key that also reaches another region, or every
    region, is that region's business too, so only the super admin holds it. 403 for
    anyone else."""
    region_id = admin_region(user)
    stmt = select(ApiKey)
    return stmt if region_id is None else stmt.where(ApiKey.regions == region_id)


def api_key_or_404(user: User, api_key_id: int) -> ApiKey:
    """A key the admin manages, or 404 (403 first for accounts that manage none)."""
    stmt = visible_api_keys(user).where(ApiKey.id == api_key_id)
    key = db.session.execute(stmt).scalar_one_or_none()
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

"""Who may hold a case: an active officer of the unit that handles it, or of its agency.

A case belongs to a unit; the holder is the one person of that unit working on it now. An
admin may take a case for themselves (verifying it, say), but is never *assigned* one: the
people on offer, and the people `assign` accepts, are the unit's officers and the agency's
officers, each of whom could open the case (`reach_of`), and each within the reach of the
person assigning.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.extensions import db
from portal.notifications.recipients import handlers_of
from portal.routing.engine import Router

OFFICERS = (roles.UNIT_OFFICER, roles.AGENCY_OFFICER)
POOL_LIMIT = 500  # the bulk picker of a whole region; a region has a few hundred officers


def may_hold(user: User | None, complaint) -> bool:
    """Whether `user` may be assigned this case where it is now (its agency and unit)."""
    if user is None or not user.active or user.role not in OFFICERS:
        return False
    return reach_of(user).covers(complaint.region_id, complaint.agency_id, complaint.unit_id)


def holders_for(complaint, actor: User) -> list[User]:
    """The people `actor` may assign this case to: the unit's and the agency's officers."""
    reach = reach_of(actor)
    return [
        u
        for u in handlers_of(complaint.agency_id or "", complaint.unit_id or "")
        if may_hold(u, complaint) and reach.covers(complaint.region_id, u.agency_id, u.unit_id)
    ]


def officers_in_reach(actor: User, router: Router) -> list[User]:
    """Every officer the actor may assign some case to (the queue's bulk picker); whether
    a given case may go to them is checked case by case (`may_hold`)."""
    reach = reach_of(actor)
    agency_ids = [a.id for a in reach.agencies(router)]
    if not agency_ids:
        return []
    stmt = (
        select(User)
        .where(User.role.in_(OFFICERS), User.active.is_(True), User.agency_id.in_(agency_ids))
        .order_by(User.agency_id, User.unit_id, User.email)
        .limit(POOL_LIMIT)
    )
    return list(db.session.execute(stmt).scalars())

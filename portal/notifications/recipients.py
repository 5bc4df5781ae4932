"""Who hears of what: routing-file contacts plus staff accounts, each with what they may read.

A recipient carries the staff account behind the address when there is one, so the message
builder can ask "could this person open the case?" before putting any of its content in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.extensions import db
from portal.routing.engine import Router
from portal.routing.model import Contact


@dataclass(frozen=True)
class Recipient:
    email: str
    user: User | None = None


def may_open(user: User | None, complaint) -> bool:
    """Whether this account could open the case: the staff queries' reach, in memory."""
    if user is None or not user.active:
        return False
    return reach_of(user).covers(complaint.region_id, complaint.agency_id, complaint.unit_id)


def agency_head_contacts(router: Router, agency_id: str) -> tuple[Contact, ...]:
    """Whom an overdue case escalates to in the agency: its contacts, else the region's."""
    agency = router.agency(agency_id)
    if agency is None:
        return ()
    region = router.region(agency.region_id)
    return agency.contacts or (region.contacts if region else ())


def region_contacts(router: Router, region_id: str) -> tuple[Contact, ...]:
    region = router.region(region_id)
    return region.contacts if region else ()


def accounts(
    role: str, *, region_id: str | None = None, agency_id: str | None = None, unit_id=None
) -> list[User]:
    """Active staff accounts of one role and scope (no autoflush: callers are mid-change)."""
    stmt = select(User).where(User.role == role, User.active.is_(True))
    if region_id is not None:
        stmt = stmt.where(User.region_id == region_id)
    if agency_id is not None:
        stmt = stmt.where(User.agency_id == agency_id)
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    with db.session.no_autoflush:
        return list(db.session.execute(stmt.order_by(User.id)).scalars())


def handlers_of(agency_id: str, unit_id: str) -> list[User]:
    """Officers who work the case: the unit's officers and the agency's officers."""
    return accounts(roles.UNIT_OFFICER, agency_id=agency_id, unit_id=unit_id) + accounts(
        roles.AGENCY_OFFICER, agency_id=agency_id
    )


def resolve(contacts: Iterable[Contact], users: Iterable[User]) -> list[Recipient]:
    """One recipient per address (case-insensitive), with the account behind it if any."""
    users = list(users)
    by_email = {u.email.lower(): u for u in users}
    wanted = [c.email for c in contacts if c.email] + [u.email for u in users]
    missing = [e.lower() for e in wanted if e.lower() not in by_email]
    if missing:
        stmt = select(User).where(func.lower(User.email).in_(missing), User.active.is_(True))
        with db.session.no_autoflush:
            by_email |= {u.email.lower(): u for u in db.session.execute(stmt).scalars()}
    seen: set[str] = set()
    out: list[Recipient] = []
    for email in wanted:
        key = email.strip().lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(Recipient(email.strip(), by_email.get(key)))
    return out

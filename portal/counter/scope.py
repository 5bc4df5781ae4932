"""Who may file at the counter, and for which service points.

The same reach as the queue (portal.accounts.reach): a unit officer files for their unit's
services, an agency officer for their agency's, a regional admin for their region's, a
super admin for any. Leaders are read-only everywhere, so they may not file.
"""

from __future__ import annotations

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.routing.engine import Router
from portal.routing.model import ServicePoint

FILING_ROLES = frozenset(
    {roles.SUPER_ADMIN, roles.REGIONAL_ADMIN, roles.AGENCY_OFFICER, roles.UNIT_OFFICER}
)


def may_file(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in FILING_ROLES


def counter_points(user: User, router: Router) -> list[ServicePoint]:
    """Every service point the clerk may file for, in routing-file order."""
    if not may_file(user):
        return []
    reach = reach_of(user)
    return [p for p in router.service_points() if reach.covers(p.region.id, p.agency.id, p.unit.id)]


def point_value(point: ServicePoint) -> str:
    """How a service point is named in the form: "agency/unit/service"."""
    return "/".join(point.ids)


def point_in_scope(user: User, router: Router, value: str) -> ServicePoint | None:
    """The service point the form names, or None when it names nothing within reach (a
    forged or stale value): the page then refuses without storing anything."""
    for point in counter_points(user, router):
        if point_value(point) == (value or ""):
            return point
    return None

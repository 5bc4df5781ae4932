"""Who may print which posters, and which printed batches they may see.

The same reach as the case queue (portal/staff/scoping.py): a unit officer their unit, an
agency officer their agency, a regional admin their region, a super admin everything.
Leaders are read-only everywhere in the portal, so they may see the registry of their
region but not print: printing signs codes and records a batch in their name.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, true

from portal.accounts import roles
from portal.accounts.models import User
from portal.posters.models import PosterItem
from portal.routing.engine import Router
from portal.routing.model import ServicePoint

PRINTING_ROLES = frozenset(
    {roles.SUPER_ADMIN, roles.REGIONAL_ADMIN, roles.AGENCY_OFFICER, roles.UNIT_OFFICER}
)
REGISTRY_ROLES = PRINTING_ROLES | {roles.LEADER}


def may_print(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in PRINTING_ROLES


def may_view_registry(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in REGISTRY_ROLES


def in_scope(user: User, point: ServicePoint) -> bool:
    """Whether the counter is within the user's reach (for printing or for the registry)."""
    if user.role == roles.SUPER_ADMIN:
        return True
    if user.role in (roles.REGIONAL_ADMIN, roles.LEADER):
        return bool(user.region_id) and point.region.id == user.region_id
    if user.role == roles.AGENCY_OFFICER:
        return bool(user.agency_id) and point.agency.id == user.agency_id
    if user.role == roles.UNIT_OFFICER:
        return bool(user.agency_id and user.unit_id) and (
            (point.agency.id, point.unit.id) == (user.agency_id, user.unit_id)
        )
    return False


def printable_points(user: User, router: Router) -> list[ServicePoint]:
    """Every counter the user may print a poster for, in routing-file order."""
    if not may_print(user):
        return []
    return [p for p in router.service_points() if in_scope(user, p)]


def item_condition(user: User) -> ColumnElement[bool]:
    """SQL condition on PosterItem rows the user may see in the registry."""
    if user.role == roles.SUPER_ADMIN:
        return true()
    if user.role in (roles.REGIONAL_ADMIN, roles.LEADER) and user.region_id:
        return PosterItem.region_id == user.region_id
    if user.role == roles.AGENCY_OFFICER and user.agency_id:
        return PosterItem.agency_id == user.agency_id
    if user.role == roles.UNIT_OFFICER and user.agency_id and user.unit_id:
        return and_(PosterItem.agency_id == user.agency_id, PosterItem.unit_id == user.unit_id)
    return false()

"""Who may print which posters, and which printed batches they may see.

The same reach as the case queue (portal.accounts.reach): a unit officer their unit, an
agency officer their agency, a regional admin their region, a super admin everything.
Leaders are read-only everywhere in the portal, so they may see the registry of their
region but not print: printing signs codes and records a batch in their name.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.reach import reach_of
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
    return reach_of(user).covers(point.region.id, point.agency.id, point.unit.id)


def printable_points(user: User, router: Router) -> list[ServicePoint]:
    """Every counter the user may print a poster for, in routing-file order."""
    if not may_print(user):
        return []
    reach = reach_of(user)
    return [p for p in router.service_points() if reach.covers(p.region.id, p.agency.id, p.unit.id)]


def item_condition(user: User) -> ColumnElement[bool]:
    """SQL condition on PosterItem rows the user may see in the registry."""
    return reach_of(user).condition(PosterItem.region_id, PosterItem.agency_id, PosterItem.unit_id)

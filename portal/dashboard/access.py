"""Who may see which region's recap: leaders and admins their own region, the super admin
any. Another region's recap answers 404 (as its cases do); other roles get 403."""

from __future__ import annotations

from flask import abort

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.routing.engine import Router
from portal.routing.model import Agency, Region

VIEWERS = frozenset({roles.SUPER_ADMIN, roles.REGIONAL_ADMIN, roles.LEADER})


def may_view_dashboard(user: User) -> bool:
    reach = reach_of(user)
    return user.role in VIEWERS and (reach.everything or reach.region_id is not None)


def dashboard_region(user: User, router: Router, requested: str | None) -> Region:
    if not may_view_dashboard(user):
        abort(403)
    reach = reach_of(user)
    if reach.everything:
        region = router.region(requested) if requested else next(iter(router.regions), None)
    elif requested and not reach.covers_region(requested):
        region = None
    else:
        region = router.region(reach.region_id or "")
    if region is None:
        abort(404)
    return region


def dashboard_agency(user: User, router: Router, agency_id: str) -> tuple[Region, Agency]:
    if not may_view_dashboard(user):
        abort(403)
    agency = router.agency(agency_id)
    if agency is None or not reach_of(user).covers_region(agency.region_id):
        abort(404)
    region = router.region(agency.region_id)
    if region is None:
        abort(404)
    return region, agency

"""Who may edit which part of the routing file: the admins, within their reach."""

from __future__ import annotations

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.reach import reach_of

EDITORS = frozenset({roles.SUPER_ADMIN, roles.REGIONAL_ADMIN})


def may_edit_routing(user: User) -> bool:
    reach = reach_of(user)
    return user.role in EDITORS and (reach.everything or reach.region_id is not None)


def may_edit_region(user: User, region_id: str) -> bool:
    return user.role in EDITORS and reach_of(user).covers_region(region_id)


def may_edit_whole_file(user: User) -> bool:
    return user.role in EDITORS and reach_of(user).everything

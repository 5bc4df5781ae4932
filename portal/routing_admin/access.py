"""Who may edit which part of the routing file."""

from __future__ import annotations

from portal.accounts import roles
from portal.accounts.models import User


def may_edit_routing(user: User) -> bool:
    return user.role == roles.SUPER_ADMIN or (
        user.role == roles.REGIONAL_ADMIN and bool(user.region_id)
    )


def may_edit_region(user: User, region_id: str) -> bool:
    return user.role == roles.SUPER_ADMIN or (
        user.role == roles.REGIONAL_ADMIN and user.region_id == region_id
    )


def may_edit_whole_file(user: User) -> bool:
    return user.role == roles.SUPER_ADMIN

"""Who may manage which staff account (pure: roles and region IDs in, yes or no out).

The super admin manages every account; a regional admin manages the officers and leaders
of their own region, never another region's, never an admin. Nobody changes their own
role, scope or active flag from the admin pages (their own account page is for them), so
nobody locks themselves out with one click. Every account page, list and count asks here.
"""

from __future__ import annotations

from typing import Protocol

from portal.accounts import roles

# The roles a regional admin may hand out, and may manage.
REGION_MANAGED: tuple[str, ...] = (roles.AGENCY_OFFICER, roles.UNIT_OFFICER, roles.LEADER)
MANAGERS: tuple[str, ...] = (roles.SUPER_ADMIN, roles.REGIONAL_ADMIN)


class Account(Protocol):
    id: int | None
    role: str
    region_id: str | None


def is_manager(actor: Account) -> bool:
    """Whether the account pages open at all (with a region for a regional admin)."""
    if actor.role == roles.SUPER_ADMIN:
        return True
    return actor.role == roles.REGIONAL_ADMIN and bool(actor.region_id)


def assignable_roles(actor: Account) -> tuple[str, ...]:
    """The roles this actor may give an account, in the order a form offers them."""
    if actor.role == roles.SUPER_ADMIN:
        return roles.ROLES
    if is_manager(actor):
        return REGION_MANAGED
    return ()


def may_assign(actor: Account, role: str, region_id: str | None) -> bool:
    """Whether the actor may give an account this role in this region (region_id is the
    account's region after the change: an agency or unit fixes it)."""
    if role not in assignable_roles(actor):
        return False
    if actor.role == roles.SUPER_ADMIN:
        return True
    return region_id is not None and region_id == actor.region_id


def may_manage(actor: Account, target: Account) -> bool:
    """Whether the actor may see and change this account (never their own, here)."""
    if actor.id is not None and actor.id == target.id:
        return False
    if actor.role == roles.SUPER_ADMIN:
        return True
    if not is_manager(actor):
        return False
    return target.role in REGION_MANAGED and target.region_id == actor.region_id

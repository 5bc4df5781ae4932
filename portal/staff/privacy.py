"""What of a report a staff member may read (Anonim hides the reporter from the unit)."""

from portal.accounts import roles


def may_see_reporter(user, complaint) -> bool:
    if not complaint.anonymous:
        return True
    return user.role in (roles.SUPER_ADMIN, roles.REGIONAL_ADMIN)

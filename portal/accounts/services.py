"""Creating and checking staff accounts. Plain values in, AccountError out."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts import roles
from portal.accounts.models import User
from portal.extensions import db
from portal.routing.loader import Router

MIN_PASSWORD = 10
# Checked when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """field: which input is wrong (for a form or a CLI option); message: why."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def create_user(
    router: Router,
    *,
    email: str,
    password: str,
    role: str,
    region: str | None = None,
    agency: str | None = None,
    unit: str | None = None,
) -> User:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError("email", f"not an e-mail address: {email!r}")
    if role not in roles.ROLES:
        raise AccountError("role", f"unknown role {role!r}; one of: {', '.join(roles.ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", f"password must be at least {MIN_PASSWORD} characters")
    region, agency, unit = _check_scope(router, role, region, agency, unit)
    if find_by_email(email) is not None:
        raise AccountError("email", f"an account for {email} already exists")
    user = User(
        email=email,
        password_hash=generate_password_hash(password),
        role=role,
        region_id=region,
        agency_id=agency,
        unit_id=unit,
        active=True,
    )
    db.session.add(user)
    db.session.commit()
    return user


def _check_scope(router: Router, role: str, region, agency, unit):
    """Tie the account to existing IDs; an agency or unit fixes its region too."""
    needed = roles.REQUIRED_SCOPE[role]
    for name, value in (("region", region), ("agency", agency), ("unit", unit)):
        if name in needed and not value:
            raise AccountError(name, f"role {role} needs --{name}")
    if agency:
        found = next((a for r in router.regions for a in r.agencies if a.id == agency), None)
        if found is None:
            raise AccountError("agency", f"unknown agency {agency!r}")
        if region and region != found.region_id:
            raise AccountError("region", f"agency {agency!r} is not in region {region!r}")
        region = found.region_id
        if unit and not any(u.id == unit for u in found.units):
            raise AccountError("unit", f"unknown unit {unit!r} in agency {agency!r}")
    elif unit:
        raise AccountError("unit", "--unit needs --agency")
    if region and router.region(region) is None:
        raise AccountError("region", f"unknown region {region!r}")
    if role == roles.SUPER_ADMIN:
        return None, None, None
    if role in (roles.REGIONAL_ADMIN, roles.LEADER):
        return region, None, None
    if role == roles.AGENCY_OFFICER:
        return region, agency, None
    return region, agency, unit


def find_by_email(email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return db.session.execute(stmt).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def set_password(email: str, password: str) -> User:
    user = find_by_email(email)
    if user is None:
        raise AccountError("email", f"no account for {email}")
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", f"password must be at least {MIN_PASSWORD} characters")
    user.password_hash = generate_password_hash(password)
    db.session.commit()
    return user


def set_active(email: str, active: bool) -> User:
    user = find_by_email(email)
    if user is None:
        raise AccountError("email", f"no account for {email}")
    user.active = active
    db.session.commit()
    return user

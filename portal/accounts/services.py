"""Creating and checking staff accounts. Plain values in; AccountError or SignInError out."""

from __future__ import annotations

import logging
import math
from datetime import datetime

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts import passwords, roles, throttle, tokens
from portal.accounts.models import User
from portal.audit import actions
from portal.audit.record import Actor, record, record_about_user
from portal.extensions import db
from portal.routing.loader import Router
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

MIN_PASSWORD = passwords.MIN_LENGTH
# Checked when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
# The password_hash of an invited account until its invitation is used: no password
# matches it (it is no hash at all), and checking it costs like a real one (authenticate).
NO_PASSWORD = "!no-password-yet"


class AccountError(ValueError):
    """field: which input is wrong (for a form or a CLI option); message: why."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class PasswordRefused(AccountError):
    """A password the policy refuses; `refusal` renders it in the reader's language."""

    def __init__(self, refusal: passwords.Refusal):
        self.refusal = refusal
        super().__init__("password", refusal.render(_filled))


def _filled(message: str, **params) -> str:
    """The Indonesian message with its placeholders filled: what str(exc) says."""
    return message % params if params else message


def check_password(password: str, *, email: str | None = None) -> None:
    """Raise PasswordRefused unless the policy (portal/accounts/passwords.py) allows it."""
    refused = passwords.refusal(password, email=email)
    if refused is not None:
        raise PasswordRefused(refused)


class SignInError(Exception):
    """A refused sign-in; the view turns each kind into its message and status."""


class WrongCredentials(SignInError):
    """Wrong e-mail or password, or a disabled account: deliberately never said which."""


class SignInLocked(SignInError):
    """Too many failures for this e-mail or client address; even the right password waits."""

    def __init__(self, until: datetime, now: datetime):
        self.until = until
        self.seconds_left = max(1, math.ceil((until - now).total_seconds()))
        self.minutes_left = throttle.minutes_left(until, now)
        super().__init__(f"sign-in locked until {until.isoformat()}")


def create_user(
    router: Router,
    *,
    email: str,
    password: str,
    role: str,
    region: str | None = None,
    agency: str | None = None,
    unit: str | None = None,
    actor: Actor | None = None,
) -> User:
    """A new account with a password (`users create`); recorded when an actor is given."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError("email", f"not an e-mail address: {email!r}")
    if role not in roles.ROLES:
        raise AccountError("role", f"unknown role {role!r}; one of: {', '.join(roles.ROLES)}")
    check_password(password, email=email)
    region, agency, unit = check_scope(router, role, region, agency, unit)
    if find_by_email(email) is not None:
        raise AccountError("email", f"an account for {email} already exists")
    now = utcnow()
    user = User(
        email=email,
        password_hash=generate_password_hash(password),
        role=role,
        region_id=region,
        agency_id=agency,
        unit_id=unit,
        active=True,
        created_at=now,
        password_set_at=now,
    )
    db.session.add(user)
    if actor is not None:
        db.session.flush()  # the entry names the new account's id
        record_about_user(actions.ACCOUNT_CREATED, actor, user, role=role)
    db.session.commit()
    return user


def check_scope(
    router: Router, role: str, region: str | None, agency: str | None, unit: str | None
) -> tuple[str | None, str | None, str | None]:
    """Tie the account to existing IDs; an agency or unit fixes its region too. Returns the
    (region, agency, unit) the role keeps; raises AccountError naming the wrong field."""
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


_check_scope = check_scope  # the name earlier callers used


def find_by_email(email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return db.session.execute(stmt).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The user, or None; every path costs one password hash, so timing reveals nothing."""
    user = find_by_email(email)
    if user is None or user.password_hash == NO_PASSWORD:
        check_password_hash(_DUMMY_HASH, password)
        return None
    # Hash first: checking `active` first would answer a disabled account faster.
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def sign_in(
    email: str, password: str, client_address: str | None, *, now: datetime | None = None
) -> User:
    """Check the password under the throttle; raise SignInLocked or WrongCredentials.

    The password is checked even while locked, so a locked attempt takes as long as any
    failure and an attacker cannot tell the lock, an unknown e-mail or a wrong password
    apart by timing. Attempts during a lock are not counted: they cannot extend it.
    """
    now = now if now is not None else utcnow()
    lock = throttle.locked_until(email, client_address, now)
    user = authenticate(email, password)
    if lock is not None:
        raise SignInLocked(lock, now)
    if user is None:
        _record_failure(email, client_address, now)
        lock = throttle.record_failure(email, client_address, now)
        if lock is not None:
            _record_failure(email, client_address, now, action=actions.SIGN_IN_LOCKED)
            db.session.commit()
            log.warning(
                "sign-in locked until %s after failures for %s from %s",
                lock.isoformat(),
                throttle.email_key(email),
                throttle.address_key(client_address),
            )
            raise SignInLocked(lock, now)
        raise WrongCredentials()
    if not user.has_second_factor:
        # With a second factor the count is cleared only once the code is right too
        # (portal/accounts/two_factor.py): a known password must not buy fresh code guesses.
        throttle.forget_email(email)
    return user


def _record_failure(
    email: str, client_address: str | None, now: datetime, *, action: str = actions.SIGN_IN_FAILED
) -> None:
    """A refused sign-in in the audit trail (committed by the throttle's count). A known
    account's entry goes to its region's admins; an unknown one is for the super admins,
    and keeps what was typed only when it looks like an e-mail address (people type their
    password into the e-mail field, and that must not be kept)."""
    actor = Actor(address=client_address)
    known = find_by_email(email)
    if known is not None:
        record_about_user(action, actor, known, at=now)
        return
    typed = email.strip().lower()
    label = typed[:254] if "@" in typed and " " not in typed else None
    record(action, actor, target_kind=actions.USER, target_label=label, at=now)


def complete_sign_in(user: User, client_address: str | None, *, now: datetime | None = None):
    """The moment a session starts (after the second factor, if any): recorded, and kept
    on the account for the account list. Commits."""
    now = now or utcnow()
    user.last_sign_in_at = now
    record_about_user(actions.SIGN_IN, Actor.of(user, client_address), user, at=now)
    db.session.commit()


def set_password(email: str, password: str, *, actor: Actor | None = None) -> User:
    """Replace the password and end every session of the account (a stolen cookie too);
    recorded when an actor is given (`users set-password`)."""
    user = find_by_email(email)
    if user is None:
        raise AccountError("email", f"no account for {email}")
    check_password(password, email=user.email)
    user.password_hash = generate_password_hash(password)
    user.password_set_at = utcnow()  # an invitation still open is no longer needed
    tokens.end_open(user, now=user.password_set_at)
    end_sessions(user)
    if actor is not None:
        record_about_user(actions.PASSWORD_SET, actor, user)
    db.session.commit()
    return user


def confirm_own_password(
    user: User, password: str | None, client_address: str | None, *, now: datetime | None = None
) -> None:
    """A signed-in account proving it is its owner before a change a stolen session must not
    make (a new password, a new authenticator). A wrong password counts as a failed sign-in
    (same throttle), so a stolen session cannot guess its way to the password either.
    Raises SignInLocked, or AccountError on "current_password"."""
    now = now if now is not None else utcnow()
    lock = throttle.locked_until(user.email, client_address, now)
    right = check_password_hash(user.password_hash, password or "")
    if lock is not None:
        raise SignInLocked(lock, now)
    if not right:
        lock = throttle.record_failure(user.email, client_address, now)
        if lock is not None:
            raise SignInLocked(lock, now)
        raise AccountError("current_password", "wrong current password")


def change_own_password(
    user: User, current: str, new: str, client_address: str | None, *, now: datetime | None = None
) -> User:
    """A signed-in account changing its own password: the current one must be right.

    A wrong current password counts as a failed sign-in (same throttle), so a stolen session
    cannot guess its way to the password. Every session ends, this one included; the view
    signs this browser in again under the new generation, so only the person who changed it
    stays signed in.
    """
    now = now if now is not None else utcnow()
    confirm_own_password(user, current, client_address, now=now)
    check_password(new, email=user.email)
    user.password_hash = generate_password_hash(new)
    tokens.end_open(user, now=now)  # a reset link asked for earlier opens nothing now
    end_sessions(user)
    db.session.commit()
    return user


def set_active(email: str, active: bool, *, actor: Actor | None = None) -> User:
    """Disable or enable; either way every earlier session stays ended, so enabling an
    account again never revives a cookie from before it was disabled. Recorded when an
    actor is given."""
    user = find_by_email(email)
    if user is None:
        raise AccountError("email", f"no account for {email}")
    user.active = active
    end_sessions(user)
    tokens.end_open(user)  # a link sent before never opens the account again
    if actor is not None:
        action = actions.ACCOUNT_ENABLED if active else actions.ACCOUNT_DISABLED
        record_about_user(action, actor, user)
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """Every session signed in before this moment ends on its next request (the caller
    commits). A counter, not a list of sessions: the cookie carries the generation it was
    issued under, and the account's loader refuses any other."""
    user.session_generation = (user.session_generation or 0) + 1


def sign_out_everywhere(email: str, *, actor: Actor | None = None) -> User:
    """`users sign-out-everywhere`: end every session of the account, wherever it is."""
    user = find_by_email(email)
    if user is None:
        raise AccountError("email", f"no account for {email}")
    end_sessions(user)
    if actor is not None:
        record_about_user(actions.SIGNED_OUT_EVERYWHERE, actor, user)
    db.session.commit()
    return user


def user_for_session(session_id: str) -> User | None:
    """The account a session's "id:generation" names, if that session is still valid: the
    account exists, is active and has not ended its sessions since this one signed in."""
    user_id, sep, generation = session_id.partition(":")
    if not sep or not user_id.isdigit() or not generation.isdigit():
        return None  # a bare id is a session from before generations: sign in again
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if int(generation) != (user.session_generation or 0):
        return None
    return user


def list_users(router: Router, region: str | None = None) -> list[User]:
    """Accounts by e-mail; with a region, only the staff tied to it (agency and unit officers
    included, since their agency fixes their region). Super admins belong to no region."""
    stmt = select(User).order_by(User.email)
    if region is not None:
        if router.region(region) is None:
            known = ", ".join(r.id for r in router.regions)
            raise AccountError("region", f"unknown region {region!r} (known: {known})")
        stmt = stmt.where(User.region_id == region)
    return list(db.session.execute(stmt).scalars())


def scope_label(user: User) -> str:
    """region/agency/unit as one path, or "all" for a super admin."""
    return "/".join(x for x in (user.region_id, user.agency_id, user.unit_id) if x) or "all"

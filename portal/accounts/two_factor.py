"""Two-step sign-in as services: plain values in (the account, what was typed, the app's
key, the client's address, the time), the change committed, one audit entry per act.

The code step shares the sign-in throttle with the password step: a wrong or reused code
is a failed sign-in of that e-mail (5 lock it for 15 minutes, even the right code waits),
and a right password alone no longer clears the count for an account with a second factor
(portal/accounts/services.py), so typing the password again buys no fresh guesses.

A code is good once. The TOTP step is stored with one UPDATE that only succeeds while the
stored step is still smaller, and a recovery code is marked used with one UPDATE that only
succeeds while it is unused: two requests carrying the same code cannot both pass, on any
number of app hosts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from portal.accounts import recovery, roles, second_factor, throttle, totp
from portal.accounts.models import RecoveryCode, User
from portal.accounts.services import SignInLocked, end_sessions
from portal.audit import actions
from portal.audit.record import Actor, record_about_user
from portal.extensions import db
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

ADMIN_ROLES = frozenset({roles.SUPER_ADMIN, roles.REGIONAL_ADMIN})


class CodeRefused(Exception):
    """A wrong, reused or malformed code (or password, for turning it off)."""


class NotAllowed(Exception):
    """An act this account may not do now (an admin turning it off while it is required)."""


class AlreadyOn(Exception):
    """Confirming a new authenticator for an account that already has one (another tab)."""


@dataclass(frozen=True)
class Passed:
    """How the second step was passed, and what is left of the recovery codes."""

    by_recovery_code: bool
    recovery_codes_left: int


def must_enrol(user: User, required: bool) -> bool:
    """An admin without a second factor while REQUIRE_2FA_FOR_ADMINS is on: no staff page
    until an authenticator is set up."""
    return required and user.role in ADMIN_ROLES and not user.has_second_factor


def may_turn_off(user: User, required: bool) -> bool:
    return not (required and user.role in ADMIN_ROLES)


def new_pending_secret(key: str) -> str:
    """A fresh secret for the setup page, sealed (it waits in the session, which a person
    can read, until a code from the app confirms it)."""
    return totp.seal(key, totp.new_secret())


def open_secret(key: str, sealed: str | None) -> str | None:
    """The secret inside a sealed value, or None when it does not open under this key."""
    if not sealed:
        return None
    try:
        return totp.unseal(key, sealed)
    except totp.SealBroken:
        return None


def recovery_codes_left(user: User) -> int:
    stmt = select(func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return db.session.execute(stmt).scalar_one()


def check_code(
    user: User, typed: str | None, *, key: str, address: str | None, now: datetime | None = None
) -> Passed:
    """The second sign-in step: a code from the app or an unused recovery code.

    Raises SignInLocked (the e-mail or the address is locked: even a right code waits, and
    is not used up) or CodeRefused (counted as a failed sign-in, recorded). On success the
    e-mail's failure count is cleared; the caller completes the sign-in.
    """
    now = now if now is not None else utcnow()
    lock = throttle.locked_until(user.email, address, now)
    if lock is not None:
        raise SignInLocked(lock, now)
    if _take_totp(user, typed, key, now):
        throttle.forget_email(user.email)  # commits the stored step with it
        return Passed(by_recovery_code=False, recovery_codes_left=recovery_codes_left(user))
    if _take_recovery_code(user, typed, key, now):
        left = recovery_codes_left(user)
        record_about_user(
            actions.RECOVERY_CODE_USED, Actor.of(user, address), user, at=now, left=left
        )
        throttle.forget_email(user.email)  # commits
        return Passed(by_recovery_code=True, recovery_codes_left=left)
    record_about_user(actions.SECOND_FACTOR_FAILED, Actor(address=address), user, at=now)
    _count_failure(user, address, now, audit_lock=True)
    raise CodeRefused()


def _count_failure(user: User, address: str | None, now: datetime, *, audit_lock: bool) -> None:
    """One failure on the sign-in throttle (commits); SignInLocked when it set a lock."""
    lock = throttle.record_failure(user.email, address, now)
    if lock is None:
        return
    if audit_lock:
        record_about_user(actions.SIGN_IN_LOCKED, Actor(address=address), user, at=now)
        db.session.commit()
    log.warning(
        "sign-in locked until %s after wrong codes for %s from %s",
        lock.isoformat(),
        throttle.email_key(user.email),
        throttle.address_key(address),
    )
    raise SignInLocked(lock, now)


def _take_totp(user: User, typed: str | None, key: str, now: datetime) -> bool:
    """The typed code fits the account's app and a step later than the last one used:
    store that step (atomically: only while the stored one is still smaller)."""
    if not user.has_second_factor:
        return False
    secret = open_secret(key, user.totp_secret)
    if secret is None:
        log.error("the TOTP secret of user %s does not open under SECRET_KEY", user.id)
        return False
    step = totp.verify(secret, typed, now, user.totp_last_step)
    if step is None:
        return False
    taken = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["totp_last_step"])
    return taken.rowcount == 1


def _take_recovery_code(user: User, typed: str | None, key: str, now: datetime) -> bool:
    code = recovery.normalize(typed)
    if code is None:
        return False
    taken = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == recovery.code_hash(key, user.id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount >= 1


def _replace_recovery_codes(user: User, key: str, now: datetime) -> list[str]:
    """Ten new codes (grouped, to show once); the old ones, used or not, are gone."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = recovery.new_codes()
    for code in codes:
        db.session.add(
            RecoveryCode(
                user_id=user.id, code_hash=recovery.code_hash(key, user.id, code), created_at=now
            )
        )
    return [recovery.grouped(code) for code in codes]


def confirm_setup(
    user: User,
    sealed_pending: str | None,
    typed: str | None,
    *,
    key: str,
    address: str | None,
    now: datetime | None = None,
) -> list[str]:
    """The first code from the app proves it holds the secret: turn two-step sign-in on,
    make ten recovery codes (returned grouped, to be shown once) and end every other
    session of the account (they signed in with the password alone). Commits.

    Raises CodeRefused (wrong code; not counted: the person holds the secret being set up)
    or AlreadyOn (the account got an authenticator meanwhile, in another tab).
    """
    now = now if now is not None else utcnow()
    secret = open_secret(key, sealed_pending)
    if secret is None:
        raise CodeRefused()
    step = totp.verify(secret, typed, now, None)
    if step is None:
        raise CodeRefused()
    turned_on = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_confirmed_at.is_(None))
        .values(totp_secret=totp.seal(key, secret), totp_confirmed_at=now, totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if turned_on.rowcount != 1:
        db.session.rollback()
        raise AlreadyOn()
    db.session.refresh(user, ["totp_secret", "totp_confirmed_at", "totp_last_step"])
    codes = _replace_recovery_codes(user, key, now)
    record_about_user(actions.TWO_FACTOR_ENABLED, Actor.of(user, address), user, at=now)
    end_sessions(user)
    db.session.commit()
    return codes


def _proof_holds(user: User, proof: str | None, key: str, now: datetime) -> bool:
    """The current password, or a code from the app (used up like one at sign-in)."""
    if totp.normalize_code(proof) is not None:  # no password is six digits (12 at least)
        return _take_totp(user, proof, key, now)
    return check_password_hash(user.password_hash, proof or "")


def turn_off(
    user: User,
    proof: str | None,
    *,
    required: bool,
    key: str,
    address: str | None,
    now: datetime | None = None,
) -> None:
    """The person turns two-step sign-in off with their password or a current code: the
    authenticator and the recovery codes are forgotten and every session ends (the view
    signs this browser in again). A wrong proof counts as a failed sign-in, so a stolen
    session cannot guess its way through. Raises NotAllowed, SignInLocked or CodeRefused."""
    now = now if now is not None else utcnow()
    if not may_turn_off(user, required):
        raise NotAllowed()
    lock = throttle.locked_until(user.email, address, now)
    if lock is not None:
        raise SignInLocked(lock, now)
    if not user.has_second_factor:
        raise CodeRefused()
    if not _proof_holds(user, proof, key, now):
        _count_failure(user, address, now, audit_lock=False)
        raise CodeRefused()
    second_factor.remove(user)
    record_about_user(actions.TWO_FACTOR_DISABLED, Actor.of(user, address), user, at=now)
    db.session.commit()


def renew_recovery_codes(
    user: User, typed: str | None, *, key: str, address: str | None, now: datetime | None = None
) -> list[str]:
    """Ten new recovery codes for a current code from the app; every old code stops
    working. A wrong code counts as a failed sign-in. Raises SignInLocked or CodeRefused."""
    now = now if now is not None else utcnow()
    lock = throttle.locked_until(user.email, address, now)
    if lock is not None:
        raise SignInLocked(lock, now)
    if not _take_totp(user, typed, key, now):
        _count_failure(user, address, now, audit_lock=False)
        raise CodeRefused()
    codes = _replace_recovery_codes(user, key, now)
    record_about_user(actions.RECOVERY_CODES_RENEWED, Actor.of(user, address), user, at=now)
    db.session.commit()
    return codes

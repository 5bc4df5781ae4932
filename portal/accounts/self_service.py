"""What a staff member does for their own account: ask for a reset link, set a password
through an invitation or reset link, change their password, choose a language and notices.

Plain values in (the client address as a string, the secret key and lifetimes from the
caller); each function adds its audit entry and its e-mail to the session and commits, so
a change, its trace and its notice stand or fall together. No token is ever written to an
outbox row, an audit entry or a log line: the e-mail names the token row, and the link is
rebuilt when it is rendered (portal/notifications/render.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from werkzeug.security import generate_password_hash

from portal.accounts import mailbox, notices, throttle, tokens
from portal.accounts.models import User
from portal.accounts.services import check_password, end_sessions, find_by_email
from portal.audit import actions
from portal.audit.record import Actor, record_about_user
from portal.extensions import db
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

LOCALES = ("id", "en")
# Which action a used link records, by its purpose.
_LINK_ACTIONS = {tokens.RESET: actions.PASSWORD_RESET, tokens.INVITE: actions.INVITATION_ACCEPTED}


def _locale_of(user: User) -> str:
    return user.locale if user.locale in LOCALES else "id"


def _local(moment: datetime, user: User) -> str:
    """A time in the account's own language and its region's clock, for an e-mail body
    (written now, read later: the outbox row holds it as a plain string)."""
    from portal.accounts.administration import on_account_clock
    from portal.routing.active import get_router

    return on_account_clock(get_router(), moment, user, _locale_of(user))


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def request_reset(
    email: str,
    client_address: str | None,
    *,
    secret_key: str,
    valid_for: timedelta,
    now: datetime | None = None,
) -> bool:
    """Send a reset link if the address belongs to an active account; say nothing either
    way (the caller answers the same page). True when a link was written (for tests and
    the log, never for the visitor)."""
    now = now or utcnow()
    user = find_by_email(email or "")
    if user is None or not user.active:
        return False
    # Before the first write: the region's clock comes from the routing, which may ask the
    # database on a connection of its own (SQLite would wait for this transaction).
    expires_local = _local(now + valid_for, user)
    issued = tokens.issue(user, tokens.RESET, valid_for, secret_key, now=now)
    mailbox.queue(
        "password_reset",
        user.email,
        {
            "account_token_id": issued.row.id,
            "expires_local": expires_local,
            "valid_minutes": int(valid_for.total_seconds() // 60),
            "requested_from": client_address or "-",
            "forgot_link": f"{_base_url()}/staf/lupa-sandi",
        },
        locale=_locale_of(user),
        now=now,
    )
    record_about_user(actions.RESET_REQUESTED, Actor(address=client_address), user, at=now)
    db.session.commit()
    return True


def check_link(token: str, purpose: str, *, now: datetime | None = None) -> User:
    """The account an open link is for (the form is shown); raises tokens.TokenRefused."""
    _row, user = tokens.check(token, purpose, now=now)
    return user


@dataclass(frozen=True)
class LinkUsed:
    user: User
    purpose: str


def set_password_by_link(
    token: str,
    purpose: str,
    password: str,
    client_address: str | None,
    *,
    now: datetime | None = None,
) -> LinkUsed:
    """Choose a password through a link: the policy first (a refused password uses
    nothing up), then the link is used (atomic: a double submit gets TokenRefused("used")),
    the password is set and every session of the account ends. The second factor stays:
    a reset link proves the mailbox, not the phone. Commits."""
    now = now or utcnow()
    user = check_link(token, purpose, now=now)
    check_password(password, email=user.email)  # PasswordRefused: nothing changed
    changed_local = _local(now, user)  # before the first write, as in request_reset
    try:
        user = tokens.use(token, purpose, now=now)
    except tokens.TokenRefused:
        db.session.rollback()
        raise
    user.password_hash = generate_password_hash(password)
    user.password_set_at = now
    end_sessions(user)
    actor = Actor.of(user, client_address)
    record_about_user(_LINK_ACTIONS[purpose], actor, user, at=now)
    if purpose == tokens.RESET:  # a first password is no change worth a warning
        _notify_changed(user, client_address, "reset", changed_local, now)
    db.session.commit()
    throttle.forget_email(user.email)
    return LinkUsed(user=user, purpose=purpose)


def _notify_changed(
    user: User, client_address: str | None, how: str, changed_local: str, now: datetime
) -> None:
    """ "Your password was changed": the owner learns of a change they did not make."""
    mailbox.queue(
        "password_changed",
        user.email,
        {
            "how": how,
            "changed_local": changed_local,
            "changed_from": client_address or "-",
            "forgot_link": f"{_base_url()}/staf/lupa-sandi",
        },
        locale=_locale_of(user),
        now=now,
    )


def password_changed(user: User, client_address: str | None, *, now: datetime | None = None):
    """After services.change_own_password (which commits the new password): its audit entry
    and the notice e-mail. Commits."""
    now = now or utcnow()
    changed_local = _local(now, user)
    record_about_user(actions.PASSWORD_CHANGED, Actor.of(user, client_address), user, at=now)
    _notify_changed(user, client_address, "changed", changed_local, now)
    db.session.commit()


def signed_out_everywhere(user: User, client_address: str | None) -> None:
    """The person's own "keluar dari semua perangkat": every session ends, recorded. Commits."""
    end_sessions(user)
    record_about_user(actions.SIGNED_OUT_EVERYWHERE, Actor.of(user, client_address), user)
    db.session.commit()


def _kinds(stored: str) -> list[str]:
    return stored.split(",") if stored else []


def save_preferences(
    user: User, locale: str, notices_off: list[str] | set[str], client_address: str | None
) -> bool:
    """Store the account's language and the notices it turned off; record what changed
    (old -> new). False, and nothing recorded, when nothing changed. Commits."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}")
    new_off = notices.store(k for k in notices_off if k in notices.KINDS)
    old_locale, old_off = _locale_of(user), notices.store(notices.parse(user.notices_off))
    detail = {}
    if locale != old_locale:
        detail["locale"] = [old_locale, locale]
    if new_off != old_off:
        detail["notices_off"] = [_kinds(old_off), _kinds(new_off)]
    if not detail:
        return False
    user.locale, user.notices_off = locale, new_off
    record_about_user(actions.PREFERENCES_CHANGED, Actor.of(user, client_address), user, **detail)
    db.session.commit()
    return True

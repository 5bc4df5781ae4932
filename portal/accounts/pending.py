"""Between the password and the second step: what the session holds while nobody is
signed in yet.

After a right password, an account with a second factor is not signed in: the session
keeps a marker (account id, its session generation, the time, the safe `next`) that only
the code step accepts, for CODE_MINUTES. An admin who must set up an authenticator first
(REQUIRE_2FA_FOR_ADMINS) gets an enrolment marker instead, which only the setup page
accepts, for ENROL_MINUTES (installing an app takes a while). The session cookie is
signed, so a marker cannot be made up; the generation in it means a marker from before a
sign-out everywhere, a password change or an admin's reset of the second factor opens
nothing. The secret being set up waits in the session sealed (portal/accounts/totp.py):
the cookie can be read, the secret in it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import session

from portal.accounts.models import User
from portal.extensions import db
from portal.timeutil import utcnow

MARKER = "two_step"
SETUP = "two_step_setup"
CODE_MINUTES = 5
ENROL_MINUTES = 15


@dataclass(frozen=True)
class Held:
    user: User
    next_url: str


def hold(user: User, next_url: str, *, enrol: bool) -> None:
    """Start the wait for the second step (or the enrolment) in a fresh session."""
    session.clear()
    session[MARKER] = {
        "u": user.id,
        "g": user.session_generation or 0,
        "t": int(utcnow().timestamp()),
        "n": next_url,
        "e": bool(enrol),
    }


def held(*, enrol: bool) -> Held | None:
    """The account waiting for this step, or None: no marker, the other kind, expired,
    or the account changed since (disabled, sessions ended, second factor reset)."""
    data = session.get(MARKER)
    if not isinstance(data, dict) or data.get("e") is not enrol:
        return None
    user_id, generation, started, next_url = (data.get(k) for k in ("u", "g", "t", "n"))
    if not all(isinstance(v, int) for v in (user_id, generation, started)):
        return None
    limit = timedelta(minutes=ENROL_MINUTES if enrol else CODE_MINUTES).total_seconds()
    age = utcnow().timestamp() - started
    if age < 0 or age > limit:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or (user.session_generation or 0) != generation:
        return None
    if user.has_second_factor == enrol:  # the code step needs one; enrolment needs none
        return None
    if not isinstance(next_url, str) or not next_url.startswith("/") or next_url.startswith("//"):
        return None
    return Held(user=user, next_url=next_url)


def drop() -> None:
    session.pop(MARKER, None)
    session.pop(SETUP, None)


def drop_setup() -> None:
    session.pop(SETUP, None)


def setup_secret(user: User, make_sealed) -> str:
    """The sealed secret this account is setting up in this browser: the same one on every
    visit of the setup page (two tabs, a reload) until it is confirmed or the account's
    sessions end; `make_sealed()` makes a new one when there is none."""
    data = session.get(SETUP)
    generation = user.session_generation or 0
    if (
        isinstance(data, dict)
        and data.get("u") == user.id
        and data.get("g") == generation
        and isinstance(data.get("s"), str)
    ):
        return data["s"]
    sealed = make_sealed()
    session[SETUP] = {"u": user.id, "g": generation, "s": sealed}
    return sealed

"""Sign-in throttling whose state lives in the database, so every app host sees one count.

Two counters per failed attempt: the e-mail as typed (known or not, so a lockout never tells
whether an account exists) and the client address (one machine trying many e-mails). Plain
values in, no request objects: the view passes `request.remote_addr`, which is the real
client only when `configure_proxy_fix` knows how many proxies stand in front of the app.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.accounts.models import LoginThrottle
from portal.extensions import db
from portal.timeutil import UTCDateTime


@dataclass(frozen=True)
class Rule:
    """`limit` failures within `window` lock the key for `lockout`."""

    limit: int
    window: timedelta
    lockout: timedelta


EMAIL_RULE = Rule(limit=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
ADDRESS_RULE = Rule(limit=20, window=timedelta(minutes=15), lockout=timedelta(minutes=15))

_TABLE = LoginThrottle.__table__
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def email_key(email: str) -> str:
    """Normalised like account look-ups; capped because no account has a longer address."""
    return "email:" + email.strip().lower()[:254]


def address_key(address: str | None) -> str:
    return "ip:" + (address or "unknown")[:64]


def _keys(email: str, address: str | None) -> tuple[tuple[str, Rule], ...]:
    return ((email_key(email), EMAIL_RULE), (address_key(address), ADDRESS_RULE))


def locked_until(email: str, address: str | None, now: datetime) -> datetime | None:
    """The latest running lock on the e-mail or the address, or None when both are free."""
    stmt = select(func.max(LoginThrottle.locked_until)).where(
        LoginThrottle.key.in_([key for key, _ in _keys(email, address)]),
        LoginThrottle.locked_until > now,
    )
    return db.session.execute(stmt).scalar_one_or_none()


def record_failure(email: str, address: str | None, now: datetime) -> datetime | None:
    """Count one failed sign-in on both keys; return the lock's end if this one set a lock.

    Each count is one atomic upsert, so two hosts failing at once never lose an increment.
    Commits at once: the other hosts must see the count before the next attempt arrives.
    """
    locks = [_lock_if_over(key, rule, now) for key, rule in _keys(email, address)]
    db.session.commit()
    running = [until for until in locks if until is not None]
    return max(running) if running else None


def _lock_if_over(key: str, rule: Rule, now: datetime) -> datetime | None:
    if _count(key, rule, now) < rule.limit:
        return None
    until = now + rule.lockout
    # The count starts afresh with the lock, so the first failure after it is number one.
    locked = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.failures >= rule.limit)
        .values(failures=0, window_started_at=now, locked_until=until)
    )
    return until if locked.rowcount else _running_lock(key, now)


def _count(key: str, rule: Rule, now: datetime) -> int:
    """Add one failure to the key's window (a window older than rule.window restarts)."""
    insert = _INSERTS.get(db.session.get_bind().dialect.name)
    if insert is None:
        raise RuntimeError("login throttling supports PostgreSQL and SQLite only")
    stale = _TABLE.c.window_started_at <= now - rule.window
    stmt = (
        insert(_TABLE)
        .values(key=key, failures=1, window_started_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "failures": case((stale, 1), else_=_TABLE.c.failures + 1),
                "window_started_at": case(
                    (stale, literal(now, UTCDateTime())), else_=_TABLE.c.window_started_at
                ),
            },
        )
        .returning(_TABLE.c.failures)
    )
    return db.session.execute(stmt).scalar_one()


def _running_lock(key: str, now: datetime) -> datetime | None:
    stmt = select(LoginThrottle.locked_until).where(
        LoginThrottle.key == key, LoginThrottle.locked_until > now
    )
    return db.session.execute(stmt).scalar_one_or_none()


def forget_email(email: str) -> None:
    """A successful sign-in clears the e-mail's count (never the address's: one valid
    account must not let a machine reset its own budget for guessing the others)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == email_key(email)))
    db.session.commit()


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes to wait, rounded up so "1 minute" never means "come back too early"."""
    return max(1, math.ceil((until - now).total_seconds() / 60))


def configure_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto from app.config["TRUSTED_PROXIES"] hops (0: trust none).

    Behind a reverse proxy every request otherwise comes from the proxy's address, so one
    attacker would lock out everybody (and nobody individually). Never set it higher than
    the number of proxies you run: a client could then forge its address in the header.
    load_config reads and checks the setting; applying it twice wraps the app once.
    """
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops and not isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

"""Writing the audit trail: plain values in, one AuditEntry added to the caller's session.

Services take an `Actor` (who and from where) rather than the request, so the command line
records itself too ("cli:<os user>") and a service never reaches for Flask globals.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.timeutil import utcnow

LABEL_MAX = 254


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff account (id and e-mail), the shell, or nobody known."""

    user_id: int | None = None
    email: str | None = None
    address: str | None = None

    @classmethod
    def of(cls, user: Any, address: str | None) -> Actor:
        """A signed-in account (anything with id and email), or nobody."""
        if user is None or getattr(user, "id", None) is None:
            return cls(address=address)
        return cls(user_id=user.id, email=user.email, address=address)

    @classmethod
    def cli(cls) -> Actor:
        """The command line: the operating-system user who ran it."""
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (a container), no login name
            who = "unknown"
        return cls(email=f"cli:{who}"[:LABEL_MAX])


NOBODY = Actor()


def _clip(value: str | None, size: int) -> str | None:
    return None if value is None else str(value)[:size]


def record(
    action: str,
    actor: Actor = NOBODY,
    *,
    target_kind: str | None = None,
    target_id: Any = None,
    target_label: str | None = None,
    region_id: str | None = None,
    agency_id: str | None = None,
    unit_id: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry; it commits (or rolls back) with the change it records.

    `detail` holds plain values that say what changed ("role": ["unit-officer",
    "agency-officer"]); never a password, token, code or secret.
    """
    entry = AuditEntry(
        at=at or utcnow(),
        actor_id=actor.user_id,
        actor_email=_clip(actor.email, LABEL_MAX),
        address=_clip(actor.address, 64),
        action=action,
        target_kind=target_kind,
        target_id=_clip(target_id, 40),
        target_label=_clip(target_label, LABEL_MAX),
        region_id=region_id,
        agency_id=agency_id,
        unit_id=unit_id,
        detail_json=json.dumps(detail or {}, ensure_ascii=False, default=str, sort_keys=True),
    )
    db.session.add(entry)
    return entry


def record_about_user(
    action: str, actor: Actor, user: Any, *, at: datetime | None = None, **detail: Any
) -> AuditEntry:
    """An entry about a staff account, placed in the account's region/agency/unit so that
    the admins who manage the account are the ones who read it."""
    return record(
        action,
        actor,
        target_kind="user",
        target_id=user.id,
        target_label=user.email,
        region_id=user.region_id,
        agency_id=user.agency_id,
        unit_id=user.unit_id,
        detail=detail or None,
        at=at,
    )

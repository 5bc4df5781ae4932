"""Storing and reading routing versions: seed from the file, activate, roll back.

Services take plain values and raise the errors below; the editor page and the CLI turn
them into messages. A version is validated as a whole before it is stored, so the newest
row is always a routing file that compiles.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from portal.audit import actions
from portal.audit.record import Actor, record
from portal.extensions import db
from portal.routing.engine import Router
from portal.routing.loader import compile_text
from portal.routing.models import SOURCE_FILE, SOURCE_ROLLBACK, RoutingVersion


class StaleVersion(Exception):
    """The edit started from a version that is no longer the newest."""

    def __init__(self, base_id: int | None, newest_id: int | None):
        self.base_id = base_id
        self.newest_id = newest_id
        super().__init__(f"edit based on version {base_id}, but version {newest_id} is newer")


class NoChange(Exception):
    """The text is exactly the active version's: nothing to activate."""


class UnknownVersion(LookupError):
    """No version with that number."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def newest_id(connection: Connection) -> int | None:
    """The active version number; None when there is none or the table does not exist yet.

    Cheap (a primary-key max) so every process can ask every second. A database that is not
    migrated yet (`flask db upgrade` loads the app first) answers None.
    """
    try:
        return connection.execute(select(func.max(RoutingVersion.id))).scalar()
    except (OperationalError, ProgrammingError):
        connection.rollback()
        return None


def newest() -> RoutingVersion | None:
    return db.session.execute(
        select(RoutingVersion).order_by(RoutingVersion.id.desc()).limit(1)
    ).scalar_one_or_none()


def get(version_id: int) -> RoutingVersion:
    version = db.session.get(RoutingVersion, version_id)
    if version is None:
        raise UnknownVersion(f"no routing version {version_id}")
    return version


def text_for_hash(short_hash: str) -> str | None:
    """The stored text whose hash starts with `short_hash` (what complaints and poster
    batches record as `routing_version`), or None when no stored version has it."""
    if not short_hash or len(short_hash) < 12 or not short_hash.isalnum():
        return None
    stmt = (
        select(RoutingVersion.text)
        .where(RoutingVersion.content_hash.startswith(short_hash.lower(), autoescape=True))
        .order_by(RoutingVersion.id.desc())
        .limit(1)
    )
    return db.session.execute(stmt).scalar()


def history(limit: int = 200) -> list[RoutingVersion]:
    stmt = select(RoutingVersion).order_by(RoutingVersion.id.desc()).limit(limit)
    return list(db.session.execute(stmt).scalars())


def _first_version(text: str, filename: str) -> dict[str, object]:
    """The columns of version 1, imported from the routing file."""
    return {
        "id": 1,
        "parent_id": None,
        "text": text,
        "content_hash": content_hash(text),
        "author": filename[-254:],
        "source": SOURCE_FILE,
        "comment": "Imported from the routing file",
    }


def seed_from_file(text: str, filename: str) -> None:
    """Store the routing file as version 1 if the database has no version yet.

    Several processes may start at once: all try to insert version 1 and all but one hit
    the primary key, which is the signal that another process did it.
    """
    if newest_id(db.session.connection()) is not None:
        return
    db.session.add(RoutingVersion(**_first_version(text, filename)))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def seed_on(engine: Engine, text: str, filename: str) -> None:
    """seed_from_file on a connection of its own, outside the request's session.

    The routing loads on first use, which may be in the middle of a request: committing
    db.session there would commit whatever the request had pending.
    """
    with engine.connect() as connection:
        if newest_id(connection) is not None:
            return
        try:
            connection.execute(insert(RoutingVersion).values(**_first_version(text, filename)))
            connection.commit()
        except IntegrityError:  # another process seeded it first
            connection.rollback()


@dataclass(frozen=True)
class Activation:
    """What activate() needs to know besides the text. `address`: where the author sat
    (the client address of the editor's request; None on the command line), for the
    audit trail."""

    author: str
    source: str
    comment: str
    author_id: int | None = None
    region_id: str | None = None
    restored_from_id: int | None = None
    address: str | None = None


def activate(
    text: str, base_id: int | None, who: Activation, filename: str = "routing_rules.yaml"
) -> tuple[RoutingVersion, Router]:
    """Validate `text` as a whole and store it as the newest version.

    `base_id` is the version the edit started from; None means "on top of whatever is
    newest" (the CLI's apply). Raises RoutingFileError, StaleVersion or NoChange and then
    leaves the active version as it was.
    """
    router = compile_text(text, filename)
    current = newest()
    if base_id is not None and (current is None or current.id != base_id):
        raise StaleVersion(base_id, current.id if current else None)
    digest = content_hash(text)
    if current is not None and current.content_hash == digest:
        raise NoChange("the text is the same as the active version")
    number = (current.id if current else 0) + 1
    version = RoutingVersion(
        id=number,
        parent_id=current.id if current else None,
        restored_from_id=who.restored_from_id,
        text=text,
        content_hash=digest,
        author=who.author[:254],
        author_id=who.author_id,
        source=who.source,
        region_id=who.region_id,
        comment=who.comment.strip(),
    )
    db.session.add(version)
    _record(version, who)
    try:
        db.session.commit()  # the version and its audit entry, or neither
    except IntegrityError as exc:  # another activation took this number first
        db.session.rollback()
        raise StaleVersion(base_id, number) from exc
    return version, router


def _record(version: RoutingVersion, who: Activation) -> None:
    """The audit entry of an activation: placed in the region whose part was edited (the
    super admin's whole-file activations carry no region and are read by super admins)."""
    record(
        actions.ROUTING_ROLLED_BACK if who.restored_from_id else actions.ROUTING_ACTIVATED,
        Actor(user_id=who.author_id, email=who.author, address=who.address),
        target_kind=actions.ROUTING,
        target_id=version.id,
        target_label=version.content_hash[:12],
        region_id=who.region_id,
        detail={
            "version": version.id,
            "parent": version.parent_id,
            "restored_from": who.restored_from_id,
            "source": who.source,
            "part": who.region_id,
            "hash": version.content_hash[:12],
            "comment": version.comment,
        },
    )


def rollback_to(version_id: int, who: Activation) -> tuple[RoutingVersion, Router]:
    """Activate a copy of an old version, validated again (the rules may have changed)."""
    old = get(version_id)
    restored = Activation(
        author=who.author,
        author_id=who.author_id,
        source=SOURCE_ROLLBACK,
        comment=who.comment or f"Rollback to version {old.id}",
        region_id=who.region_id,
        restored_from_id=old.id,
        address=who.address,
    )
    return activate(old.text, None, restored, filename=f"version {old.id}")

"""Managing a region's abuse list and asking it about a new report. Plain values in.

The list answers for one region: a number blocked in Kalimantan Selatan files reports in
Hulu Sungai Tengah as before. When a report matches several entries the strictest action
wins (refuse before quarantine).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.abuse import hashing
from portal.abuse.models import (
    ACTIONS,
    ADDED,
    QUARANTINE,
    REFUSE,
    REMOVED,
    AbuseChange,
    AbuseEntry,
)
from portal.audit import actions as audit_actions
from portal.audit.record import Actor, record
from portal.extensions import db

MAX_NOTE = 500
_INVALID = {
    hashing.PHONE: _l("Nomor telepon tidak dikenali. Contoh: 0812 3456 7890."),
    hashing.EMAIL: _l("Alamat surel tidak dikenali. Contoh: nama@contoh.id."),
    hashing.ADDRESS: _l("Alamat IP tidak dikenali. Contoh: 203.0.113.7 atau 2001:db8::1."),
}


class AbuseInputError(Exception):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Who:
    user_id: int | None
    email: str
    address: str | None = None  # the client address, for the audit trail


def add_entry(
    key: bytes, region_id: str, kind: str, value: str, action: str, note: str, who: Who
) -> AbuseEntry:
    """Block a value in a region, with its audit row, in one commit."""
    if kind not in hashing.KINDS:
        raise AbuseInputError(str(_l("Pilih jenis data yang diblokir.")), "kind")
    if action not in ACTIONS:
        raise AbuseInputError(str(_l("Pilih tindakan: tolak atau karantina.")), "action")
    try:
        normalized = hashing.normalize(kind, value)
    except hashing.InvalidValue:
        raise AbuseInputError(str(_INVALID[kind]), "value") from None
    note = (note or "").strip()
    if not note:
        raise AbuseInputError(str(_l("Tulis alasan singkat (catatan).")), "note")
    if len(note) > MAX_NOTE:
        raise AbuseInputError(str(_l("Catatan paling banyak 500 karakter.")), "note")
    value_hash = hashing.digest(key, kind, normalized)
    entry = AbuseEntry(
        region_id=region_id,
        kind=kind,
        value_hash=value_hash,
        action=action,
        note=note,
        created_by_id=who.user_id,
        created_by_email=who.email,
    )
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AbuseInputError(
            str(_l("Data ini sudah ada di daftar blokir daerah ini.")), "value"
        ) from None
    db.session.add(_change(ADDED, entry, note, who))
    _record(audit_actions.ABUSE_ADDED, entry, note, who)
    db.session.commit()
    return entry


def remove_entry(entry: AbuseEntry, note: str, who: Who) -> None:
    """Unblock: the entry goes, its audit row (with the reason) stays."""
    reason = (note or "").strip()[:MAX_NOTE] or entry.note
    db.session.add(_change(REMOVED, entry, reason, who))
    _record(audit_actions.ABUSE_REMOVED, entry, reason, who)
    db.session.delete(entry)
    db.session.commit()


def _record(action: str, entry: AbuseEntry, note: str, who: Who) -> None:
    """The portal-wide audit entry (the list's own history stays in abuse_changes): the
    kind and the reason, never the value nor its hash."""
    record(
        action,
        Actor(user_id=who.user_id, email=who.email or None, address=who.address),
        target_kind=audit_actions.ABUSE,
        target_id=entry.id,
        target_label=entry.kind,
        region_id=entry.region_id,
        detail={"kind": entry.kind, "action": entry.action, "note": note},
    )


def _change(change: str, entry: AbuseEntry, note: str, who: Who) -> AbuseChange:
    return AbuseChange(
        region_id=entry.region_id,
        change=change,
        entry_id=entry.id,
        kind=entry.kind,
        value_hash=entry.value_hash,
        action=entry.action,
        note=note,
        actor_id=who.user_id,
        actor_email=who.email,
    )


def entries(region_id: str) -> list[AbuseEntry]:
    stmt = select(AbuseEntry).where(AbuseEntry.region_id == region_id)
    return list(db.session.execute(stmt.order_by(AbuseEntry.id.desc())).scalars())


def changes(region_id: str, limit: int = 200) -> list[AbuseChange]:
    stmt = select(AbuseChange).where(AbuseChange.region_id == region_id)
    return list(db.session.execute(stmt.order_by(AbuseChange.id.desc()).limit(limit)).scalars())


def entry_by_id(entry_id: int) -> AbuseEntry | None:
    return db.session.get(AbuseEntry, entry_id)


def screen(
    key: bytes,
    region_id: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
) -> str | None:
    """What the region's list says about a new report: REFUSE, QUARANTINE or None.

    One indexed query for the (at most three) digests; a value that is empty or invalid
    matches nothing.
    """
    wanted = [
        (kind, digest)
        for kind, text in (
            (hashing.PHONE, phone),
            (hashing.EMAIL, email),
            (hashing.ADDRESS, address),
        )
        if text and (digest := hashing.digest_of(key, kind, text)) is not None
    ]
    if not wanted:
        return None
    # Plain IN lists on the unique index (region, kind, hash): a few index probes on every
    # engine (a row-value IN is not planned as well everywhere); pairs are checked here.
    stmt = select(AbuseEntry.kind, AbuseEntry.value_hash, AbuseEntry.action).where(
        AbuseEntry.region_id == region_id,
        AbuseEntry.kind.in_([kind for kind, _digest in wanted]),
        AbuseEntry.value_hash.in_([digest for _kind, digest in wanted]),
    )
    actions = {
        action for kind, digest, action in db.session.execute(stmt) if (kind, digest) in wanted
    }
    if REFUSE in actions:
        return REFUSE
    if QUARANTINE in actions:
        return QUARANTINE
    return None

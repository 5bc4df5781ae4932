"""Several queue cases, one move: dispose them to a unit, assign them to an officer, or
archive them (as spam, or as duplicates of one named case).

Each case on its own. The staff member chose the cases from one look at the queue; by the
time they act, a colleague may have verified one of them, an edited form may name a case
outside their scope, a unit of one region does not fit a case of another. Those cases are
left exactly as they were and listed by code with the reason; the others change. Refusing
the whole move for one stale row made staff redo the ninety-nine rows that were fine, and
the list says plainly which part of the decision happened and which did not.

Every case goes through the same state machine, event, outbox and mirror rows as a single
action (`apply_action`), inside a savepoint of its own: a case refused half-way (its
handler changed a column, then found the note too long) leaves nothing behind, not even an
e-mail; then one commit. What is wrong with the request itself (no case ticked, too many,
no unit chosen, an empty reason, an original outside the queue) changes nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm.exc import StaleDataError

from portal.audit import actions as audit_actions
from portal.audit.record import Actor as AuditActor
from portal.audit.record import record
from portal.cases import transitions
from portal.cases.services import (
    MAX_TEXT,
    ActionInput,
    Actor,
    CaseError,
    apply_action,
    commit_actions,
)
from portal.complaints import status as s
from portal.complaints.labels import label
from portal.complaints.models import Complaint
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.extensions import db
from portal.plain_text import has_control
from portal.routing.engine import Router

DISPOSE, ASSIGN, SPAM, DUPLICATE = "dispose", "assign", "spam", "duplicate"
# The state machine's actions behind each move: a new case is verified to the unit, a
# verified or in-progress one redisposed.
MOVES: dict[str, tuple[str, ...]] = {
    DISPOSE: ("verify", "redispose"),
    ASSIGN: ("assign",),
    SPAM: ("reject_spam",),
    DUPLICATE: ("reject_duplicate",),
}
MAX_CASES = 100  # two queue pages; a bigger wave is cleared in a few rounds
AUDIT_CODES = 50  # tracking codes named in the audit entry; the count says how many more


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str


@dataclass(frozen=True)
class BulkRequest:
    """The action bar's values, plain: `target` is "agency/unit", `assignee` a user id."""

    move: str
    codes: list[str]
    note: str = ""
    target: str = ""
    assignee: str = ""
    duplicate_of: str = ""


@dataclass
class BulkResult:
    changed: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


class BulkInputError(Exception):
    """The request itself is wrong (400): nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def moves_for(role: str) -> list[str]:
    """The moves this role may make, in the order the action bar offers them."""
    return [m for m, actions in MOVES.items() if role in transitions.TRANSITIONS[actions[0]].actors]


def selectable_statuses(role: str) -> frozenset[str]:
    """The statuses the queue offers a checkbox for: those some move of the role starts
    from (whether a ticked case fits the chosen move is told per case)."""
    return frozenset(
        status
        for move in moves_for(role)
        for action in MOVES[move]
        for status in transitions.TRANSITIONS[action].sources
    )


def read_codes(values: Iterable[str]) -> list[str]:
    """The codes of the form, each once, in the order sent: a tracking code normalised,
    anything else kept (printable, shortened) so that it is refused by name."""
    seen: dict[str, None] = {}
    for value in values:
        text = value or ""
        code = normalize_tracking_code(text) or "".join(ch for ch in text if ch.isprintable())
        if code.strip():
            seen.setdefault(code.strip()[:40], None)
    return list(seen)


def apply_bulk(
    request: BulkRequest,
    actor: Actor,
    scope: Select,
    *,
    router: Router,
    audit: AuditActor | None = None,
) -> BulkResult:
    """Make `request.move` on every case it names that allows it; refuse the others by name.

    `scope` is the actor's `visible_complaints`: a code outside it is refused exactly like
    a code that does not exist. Raises ActionNotAllowed for a role that may never make the
    move (403) and BulkInputError when the request itself is wrong; otherwise commits and
    says which cases changed and which were refused, and why. A move that changed any
    case is one audit entry (`audit`: who and from where), in the same commit.
    """
    if request.move not in MOVES:
        raise BulkInputError(str(_l("Pilih tindakan untuk laporan terpilih.")))
    transitions.require_actor(MOVES[request.move][0], actor.role)
    codes = request.codes
    if not codes:
        raise BulkInputError(str(_l("Pilih minimal satu laporan.")))
    if len(codes) > MAX_CASES:
        raise BulkInputError(str(_l("Paling banyak %(n)d laporan sekaligus.", n=MAX_CASES)))
    data, original = _input(request, scope)
    wellformed = [code for code in codes if normalize_tracking_code(code) == code]
    stmt = scope.where(Complaint.tracking_code.in_(wellformed)).with_for_update()
    found = {c.tracking_code: c for c in db.session.execute(stmt).scalars()}
    result = BulkResult()
    for code in codes:
        complaint = found.get(code)
        refusal = _refusal(request.move, complaint, original)
        if refusal is not None:
            result.refusals.append(Refusal(code, refusal))
            continue
        action = _action(request.move, complaint)
        try:
            with db.session.begin_nested():
                apply_action(
                    complaint,
                    action,
                    actor,
                    data,
                    router=router,
                    expected_version=None,
                    scope=scope,
                )
        except transitions.InvalidTransition:
            result.refusals.append(Refusal(code, _status_reason(complaint)))
        except CaseError as exc:
            result.refusals.append(Refusal(code, exc.message))
        except StaleDataError:
            reason = _l("sudah diubah orang lain sejak antrean dibuka")
            result.refusals.append(Refusal(code, str(reason)))
        else:
            result.changed.append(code)
    if result.changed:
        _record(request, result, [found[code] for code in result.changed], audit, actor)
    commit_actions()
    return result


def _record(
    request: BulkRequest,
    result: BulkResult,
    changed: list[Complaint],
    audit: AuditActor | None,
    actor: Actor,
) -> None:
    """One entry for the whole move, placed where the changed cases are: their region (and
    agency, unit) when they share it, so the admins who read those cases read the entry;
    cases of several regions (only a super admin's queue holds them) carry none."""

    def shared(values: set[str | None]) -> str | None:
        return next(iter(values)) if len(values) == 1 else None

    region_id = shared({c.region_id for c in changed})
    agency_id = shared({c.agency_id for c in changed}) if region_id else None
    unit_id = shared({c.unit_id for c in changed}) if agency_id else None
    codes = result.changed
    detail: dict[str, object] = {
        "move": request.move,
        "count": len(codes),
        "codes": codes[:AUDIT_CODES],
        "codes_more": max(0, len(codes) - AUDIT_CODES) or None,
        "refused": len(result.refusals) or None,
        "target": request.target or None,
        "assignee": request.assignee or None,
        "duplicate_of": request.duplicate_of or None,
    }
    record(
        audit_actions.BULK_ACTION,
        audit or AuditActor(user_id=actor.user_id),
        target_kind=audit_actions.CASES,
        target_label=", ".join(codes[:3]) + (f" … (+{len(codes) - 3})" if len(codes) > 3 else ""),
        region_id=region_id,
        agency_id=agency_id,
        unit_id=unit_id,
        detail={k: v for k, v in detail.items() if v is not None},
    )


def _input(request: BulkRequest, scope: Select) -> tuple[ActionInput, Complaint | None]:
    """The move's input, checked once for all cases; the original of a duplicate move."""
    note = (request.note or "").strip()
    if has_control(note, multiline=True) or len(note) > MAX_TEXT:
        raise BulkInputError(
            str(_l("Catatan memuat karakter tak terlihat atau lebih dari 5000 karakter."))
        )
    if request.move == SPAM and not note:
        raise BulkInputError(str(_l("Tulis alasan pengarsipan (tampil di riwayat laporan).")))
    data = ActionInput(text=note or None)
    original = None
    if request.move == DISPOSE:
        agency_id, _sep, unit_id = (request.target or "").partition("/")
        if not agency_id or not unit_id:
            raise BulkInputError(str(_l("Pilih unit tujuan disposisi.")))
        data = ActionInput(text=note or None, agency_id=agency_id, unit_id=unit_id)
    elif request.move == ASSIGN:
        text = (request.assignee or "").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 10:
            raise BulkInputError(str(_l("Pilih petugas yang akan menangani.")))
        data = ActionInput(text=note or None, assignee_id=int(text))
    elif request.move == DUPLICATE:
        code = normalize_tracking_code(request.duplicate_of or "")
        if code is not None:
            stmt = scope.where(Complaint.tracking_code == code)
            original = db.session.execute(stmt).scalar_one_or_none()
        if original is None:
            raise BulkInputError(str(_l("Kode laporan asli tidak ditemukan di antrean Anda.")))
        data = ActionInput(text=note or None, duplicate_of=original.tracking_code)
    return data, original


def _refusal(move: str, complaint: Complaint | None, original: Complaint | None) -> str | None:
    if complaint is None:
        return str(_l("tidak ditemukan di antrean Anda"))
    if original is not None and complaint.id == original.id:
        return str(_l("laporan ini adalah laporan aslinya"))
    if not any(complaint.status in transitions.TRANSITIONS[a].sources for a in MOVES[move]):
        return _status_reason(complaint)
    return None


def _action(move: str, complaint: Complaint) -> str:
    if move == DISPOSE:
        return "verify" if complaint.status == s.NEW else "redispose"
    return MOVES[move][0]


def _status_reason(complaint: Complaint) -> str:
    return str(_l("berstatus \u201c%(status)s\u201d", status=label(complaint.status)))

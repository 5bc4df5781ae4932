"""Archiving a spam wave in one action: several cases, one decision, one transaction.

All or nothing. The staff member chose the cases from one look at the queue; if any of
them cannot be archived (outside their scope, a forged code, or someone verified it in the
meantime) that look is out of date, so nothing changes and the page says which cases and
why, with the selection kept. Archiving some and not others would leave them to work out
which part of their decision happened. Each case goes through the same state machine,
event, outbox and mirror rows as a single archive (`apply_action`), then one commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from portal.cases import transitions
from portal.cases.services import ActionInput, Actor, apply_action, commit_actions
from portal.complaints.labels import label
from portal.complaints.models import Complaint
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.extensions import db
from portal.routing.engine import Router

ACTION = "reject_spam"
MAX_CASES = 100  # two queue pages; a bigger wave is cleared in a few rounds


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str


class BulkRefused(Exception):
    """Nothing was changed; `refusals` says which cases stood in the way and why."""

    def __init__(self, refusals: list[Refusal]):
        super().__init__("; ".join(f"{r.code}: {r.reason}" for r in refusals))
        self.refusals = refusals


def selectable_statuses() -> frozenset[str]:
    """The statuses the queue offers a checkbox for: those the archive may start from."""
    return transitions.TRANSITIONS[ACTION].sources


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


def archive_as_spam(
    codes: list[str],
    actor: Actor,
    scope: Select,
    note: str,
    *,
    router: Router,
) -> list[str]:
    """Archive every case named in `codes` as spam, or none of them.

    `scope` is the actor's `visible_complaints`: a code outside it is refused exactly like
    a code that does not exist. Raises ActionNotAllowed for a role that may never archive
    (403), ActionInputError for an empty note, BulkRefused when any case cannot be archived.
    Returns the archived codes.
    """
    transitions.require_actor(ACTION, actor.role)
    if not codes:
        raise BulkRefused([Refusal("—", str(_l("Pilih minimal satu laporan.")))])
    if len(codes) > MAX_CASES:
        reason = str(_l("Paling banyak %(n)d laporan sekaligus.", n=MAX_CASES))
        raise BulkRefused([Refusal("—", reason)])
    wellformed = [code for code in codes if normalize_tracking_code(code) == code]
    stmt = scope.where(Complaint.tracking_code.in_(wellformed)).with_for_update()
    found = {c.tracking_code: c for c in db.session.execute(stmt).scalars()}
    refusals = []
    for code in codes:
        complaint = found.get(code)
        if complaint is None:
            refusals.append(Refusal(code, str(_l("tidak ditemukan di antrean Anda"))))
        elif complaint.status not in selectable_statuses():
            reason = _l("berstatus \u201c%(status)s\u201d", status=label(complaint.status))
            refusals.append(Refusal(code, str(reason)))
    if refusals:
        db.session.rollback()
        raise BulkRefused(refusals)
    try:
        for code in codes:
            apply_action(
                found[code],
                ACTION,
                actor,
                ActionInput(text=note),
                router=router,
                expected_version=None,
            )
    except BaseException:
        db.session.rollback()
        raise
    commit_actions()
    return codes

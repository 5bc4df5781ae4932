"""The case state machine: which action may move a case from which status, and who may act.

Pure: no Flask, no database. Services ask `check()` before they change anything, so the
rules live in exactly one table below (drawn in the README).

    new ──verify──▶ verified ──start──▶ in_progress ──respond──▶ responded ──close──▶ closed
     │                 │ ▲                  │ ▲                   │  │ ▲
     │                 └─┼──respond─────────┼─┼───────────────────┘  │ └ auto_close (feedback
     │                   │                  │ │                      │   window over, sla tick)
     │        hold ◀─────┴──── on_hold ─────┘ └────── reopen ────────┘ (citizen, in window)
     │   (any open case)  answer (citizen) or resume (staff) returns to the status it came
     │   from; hold_timeout (sla tick) does too, or closes it as "no answer"
     │   message (citizen, by chat, on new/verified/in_progress): an event, no status change
     │   take / assign (any open case): who holds it, no status change
     ├──reject_spam / reject_duplicate──▶ archived
     ├──forward (SP4N-LAPOR!)───────────▶ forwarded
     └──transfer (another region here)──▶ new, in that region ──send_back──▶ new, back home

    quarantined (abuse list, on arrival) ──release──▶ new;  ──reject_spam──▶ archived
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts import roles
from portal.complaints import status as s

CITIZEN = "citizen"
SYSTEM = "system"
ADMINS = frozenset({roles.SUPER_ADMIN, roles.REGIONAL_ADMIN})
HANDLERS = ADMINS | {roles.AGENCY_OFFICER, roles.UNIT_OFFICER}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: stays where it is (notes, replies, ratings, redisposal)
    actors: frozenset[str]


def _t(action, sources, target, actors) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(actors))


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("verify", {s.NEW}, s.VERIFIED, ADMINS),
        _t("redispose", {s.VERIFIED, s.IN_PROGRESS}, None, ADMINS),
        _t("reject_spam", {s.NEW, s.QUARANTINED}, s.ARCHIVED, ADMINS),
        _t("release", {s.QUARANTINED}, s.NEW, ADMINS),  # not spam after all: to the queue
        _t("reject_duplicate", {s.NEW, s.VERIFIED}, s.ARCHIVED, ADMINS),
        # Out of this portal (SP4N-LAPOR!): the case ends here.
        _t("forward", {s.NEW}, s.FORWARDED, ADMINS),
        # To another region of this portal: into its queue as new, its clocks applying; the
        # receiving region may send it back (with a reason) to the region it came from.
        _t("transfer", {s.NEW, s.VERIFIED}, s.NEW, ADMINS),
        _t("send_back", {s.NEW}, s.NEW, ADMINS),
        _t("start", {s.VERIFIED}, s.IN_PROGRESS, HANDLERS),
        _t("respond", {s.VERIFIED, s.IN_PROGRESS}, s.RESPONDED, HANDLERS),
        _t("hold", {s.NEW, s.VERIFIED, s.IN_PROGRESS}, s.ON_HOLD, HANDLERS),
        # Staff end a hold without the citizen's answer; both return to hold_return_status.
        _t("resume", {s.ON_HOLD}, None, HANDLERS),
        # The tick ends a hold nobody answered: back to work, or closed as "no answer"
        # where the region's clocks say so.
        _t("hold_timeout", {s.ON_HOLD}, None, {SYSTEM}),
        # Who holds the case: an officer takes it, an admin or agency officer assigns it.
        _t("take", set(s.OPEN), None, HANDLERS),
        _t("assign", set(s.OPEN), None, ADMINS | {roles.AGENCY_OFFICER}),
        _t("close", {s.RESPONDED}, s.CLOSED, ADMINS),
        _t("note", set(s.ALL), None, HANDLERS),
        _t("answer", {s.ON_HOLD}, None, {CITIZEN}),  # returns to hold_return_status
        _t("reply", {s.RESPONDED}, None, {CITIZEN}),
        # A citizen's word while staff work on the case (by chat: the web page offers no
        # form for it): a public event, the status and the clocks unchanged.
        _t("message", {s.NEW, s.QUARANTINED, s.VERIFIED, s.IN_PROGRESS}, None, {CITIZEN}),
        _t("rate", {s.RESPONDED, s.CLOSED}, None, {CITIZEN}),
        _t("reopen", {s.RESPONDED}, s.IN_PROGRESS, {CITIZEN}),
        _t("auto_close", {s.RESPONDED}, s.CLOSED, {SYSTEM}),
    )
}


class ActionNotAllowed(Exception):
    """This actor may never take this action (HTTP 403)."""


class InvalidTransition(Exception):
    """The action exists and the actor may take it, but not from the case's status (409)."""


def require_actor(action: str, actor: str) -> Transition:
    """403 before anything else: a role that may never take the action learns nothing more."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ActionNotAllowed(f"unknown action {action!r}")
    if actor not in transition.actors:
        raise ActionNotAllowed(f"role {actor!r} may not {action}")
    return transition


def check(action: str, current: str, actor: str) -> Transition:
    """The transition for `action`, or an exception whose message says why not."""
    transition = require_actor(action, actor)
    if current not in transition.sources:
        allowed = ", ".join(sorted(transition.sources))
        raise InvalidTransition(f"cannot {action} a case that is {current!r}; only from: {allowed}")
    return transition


def available(current: str, actor: str) -> list[str]:
    """Actions the actor can take on a case in `current` (what the page offers)."""
    return [name for name, t in TRANSITIONS.items() if actor in t.actors and current in t.sources]

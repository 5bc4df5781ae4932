"""Every role against every action from every status: allowed, 403 or 409."""

from __future__ import annotations

import pytest

from portal.accounts import roles
from portal.cases import transitions as t
from portal.complaints import status as s

ACTORS = (*roles.ROLES, t.CITIZEN, t.SYSTEM)
ADMINS = {roles.SUPER_ADMIN, roles.REGIONAL_ADMIN}
HANDLERS = ADMINS | {roles.AGENCY_OFFICER, roles.UNIT_OFFICER}

# The rules as the issue states them, written out independently of the module's table.
SPEC = {
    "verify": ({s.NEW}, ADMINS),
    "redispose": ({s.VERIFIED, s.IN_PROGRESS}, ADMINS),
    "reject_spam": ({s.NEW, s.QUARANTINED}, ADMINS),
    "release": ({s.QUARANTINED}, ADMINS),
    "reject_duplicate": ({s.NEW, s.VERIFIED}, ADMINS),
    "forward": ({s.NEW}, ADMINS),
    "transfer": ({s.NEW, s.VERIFIED}, ADMINS),
    "send_back": ({s.NEW}, ADMINS),
    "start": ({s.VERIFIED}, HANDLERS),
    "respond": ({s.VERIFIED, s.IN_PROGRESS}, HANDLERS),
    "hold": ({s.NEW, s.VERIFIED, s.IN_PROGRESS}, HANDLERS),
    "resume": ({s.ON_HOLD}, HANDLERS),
    "hold_timeout": ({s.ON_HOLD}, {t.SYSTEM}),
    "take": (set(s.OPEN), HANDLERS),
    "assign": (set(s.OPEN), ADMINS | {roles.AGENCY_OFFICER}),
    "close": ({s.RESPONDED}, ADMINS),
    "note": (set(s.ALL), HANDLERS),
    "answer": ({s.ON_HOLD}, {t.CITIZEN}),
    "reply": ({s.RESPONDED}, {t.CITIZEN}),
    "message": ({s.NEW, s.QUARANTINED, s.VERIFIED, s.IN_PROGRESS}, {t.CITIZEN}),
    "rate": ({s.RESPONDED, s.CLOSED}, {t.CITIZEN}),
    "reopen": ({s.RESPONDED}, {t.CITIZEN}),
    "auto_close": ({s.RESPONDED}, {t.SYSTEM}),
}


def test_every_action_is_specified():
    assert set(SPEC) == set(t.TRANSITIONS)


@pytest.mark.parametrize("action", sorted(SPEC))
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("current", s.ALL)
def test_matrix(action, actor, current):
    sources, actors = SPEC[action]
    if actor not in actors:
        with pytest.raises(t.ActionNotAllowed):
            t.check(action, current, actor)
    elif current not in sources:
        with pytest.raises(t.InvalidTransition, match=f"cannot {action}"):
            t.check(action, current, actor)
    else:
        assert t.check(action, current, actor).action == action


def test_leader_can_do_nothing():
    assert all(t.available(status, roles.LEADER) == [] for status in s.ALL)


def test_targets_follow_the_lifecycle():
    assert t.TRANSITIONS["verify"].target == s.VERIFIED
    assert t.TRANSITIONS["respond"].target == s.RESPONDED
    assert t.TRANSITIONS["reopen"].target == s.IN_PROGRESS
    assert t.TRANSITIONS["hold"].target == s.ON_HOLD
    assert {t.TRANSITIONS[a].target for a in ("close", "auto_close")} == {s.CLOSED}
    assert t.TRANSITIONS["forward"].target == s.FORWARDED


def test_unknown_action():
    with pytest.raises(t.ActionNotAllowed):
        t.check("delete", s.NEW, roles.SUPER_ADMIN)

"""The scope matrix of the account pages: every kind of actor × every kind of account.

The super admin manages every account but their own; a regional admin manages the agency
officers, unit officers and leaders of their own region only; officers and leaders open
no account page at all (403). An account out of a manager's reach answers 404, as a
missing one does (the page confirms nothing); one's own account 403 (it is managed on
/staf/akun). A refused request changes nothing; an allowed one does what it says (each
action's effect is checked, not only its status).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import RecoveryCode, User
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import utcnow
from tests.functional.account_admin import ACCOUNTS, count, csrf, make_accounts, signed_in

ACTORS = ("super", "kalsel_admin", "hst_admin", "agency", "unit", "leader")
TARGETS = (
    "super2",
    "kalsel_admin2",
    "hst_admin",
    "agency",
    "hst_agency",
    "unit",
    "leader",
    "self",
)
# Who each actor may manage (besides nobody else); "self" never.
MANAGES = {
    "super": {"super2", "kalsel_admin2", "hst_admin", "agency", "hst_agency", "unit", "leader"},
    "kalsel_admin": {"agency", "unit", "leader"},
    "hst_admin": {"hst_agency"},
    "agency": set(),
    "unit": set(),
    "leader": set(),
}
# Who appears on each manager's list (the super admin sees their own row, not editable).
LISTED = {
    "super": set(ACCOUNTS),
    "kalsel_admin": {"agency", "unit", "leader"},
    "hst_admin": {"hst_agency"},
}


def _state(user_id: int) -> tuple:
    db.session.expire_all()
    u = db.session.get(User, user_id)
    return (u.role, u.region_id, u.agency_id, u.unit_id, u.active, u.session_generation)


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("actor_name", ACTORS)
def test_every_actor_against_every_account(app, actor_name, target_name):
    users = make_accounts()
    client = signed_in(app, users[actor_name].email)
    target = users[actor_name if target_name == "self" else target_name]
    target_id = target.id
    allowed = target_name in MANAGES[actor_name]
    if allowed:
        refused = None
    elif actor_name in LISTED and target_name not in ("self", actor_name):
        refused = 404  # a manager, but out of reach: as if there were no such account
    else:
        refused = 403  # no manager at all, or one's own account
    # Something for every action to act on: an open invitation and a second factor.
    target.invited_at = utcnow()
    target.totp_secret = "sealed-secret"
    target.totp_confirmed_at = utcnow()
    db.session.add(RecoveryCode(user_id=target_id, code_hash="0" * 64))
    db.session.commit()
    token = csrf(client)
    base = f"/staf/pengguna/{target_id}"
    before = _state(target_id)

    page = client.get(base)
    assert page.status_code == (200 if allowed else refused), page.status_code
    if allowed:
        assert target.email in page.get_data(as_text=True)

    scope = {
        "role": before[0],
        "region": before[1] or "",
        "agency": before[2] or "",
        "unit": f"{before[2]}/{before[3]}" if before[3] else "",
    }
    answer = client.post(base, data={"csrf_token": token, **scope})
    assert answer.status_code == (303 if allowed else refused)

    answers = {}
    for path in ("keluar-semua", "undang-lagi", "reset-dua-langkah"):
        answers[path] = client.post(f"{base}/{path}", data={"csrf_token": token}).status_code
    answers["aktif"] = client.post(
        f"{base}/aktif", data={"csrf_token": token, "active": "0"}
    ).status_code
    expected = 303 if allowed else refused
    assert answers == dict.fromkeys(answers, expected)

    after = _state(target_id)
    db.session.expire_all()
    refreshed = db.session.get(User, target_id)
    entries = count(
        AuditEntry,
        AuditEntry.target_id == str(target_id),
        AuditEntry.actor_id.isnot(None),
        AuditEntry.action != "sign_in.ok",
    )
    invitations = count(OutboxMessage, OutboxMessage.template == "invitation")
    if allowed:
        assert after[:4] == before[:4]  # the same role and scope posted: nothing changed
        assert after[4] is False  # disabled
        assert after[5] > before[5]  # sessions ended
        assert not refreshed.has_second_factor
        assert count(RecoveryCode, RecoveryCode.user_id == target_id) == 0
        assert invitations == 1
        assert entries == 4  # signed out, invitation resent, second factor reset, disabled
    else:
        assert after == before
        assert refreshed.has_second_factor
        assert invitations == 0
        assert entries == 0


@pytest.mark.parametrize("actor_name", ACTORS)
def test_the_list_shows_exactly_the_accounts_the_actor_manages(app, actor_name):
    users = make_accounts()
    client = signed_in(app, users[actor_name].email)
    for path in ("/staf/pengguna/", "/staf/pengguna/undang"):
        page = client.get(path)
        if actor_name not in LISTED:
            assert page.status_code == 403, path
    page = client.get("/staf/pengguna/")
    if actor_name not in LISTED:
        return
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = {name for name, user in users.items() if f'id="account-{user.id}"' in html}
    assert shown == LISTED[actor_name]
    editable = set(ACCOUNTS) - {"super"} if actor_name == "super" else MANAGES[actor_name]
    for name in shown:
        link = f'href="/staf/pengguna/{users[name].id}"'
        assert (link in html) == (name in editable), name


def test_a_missing_account_is_404_for_a_manager_and_403_for_others(app):
    users = make_accounts()
    missing = max(u.id for u in users.values()) + 100
    admin = signed_in(app, users["kalsel_admin"].email)
    officer = signed_in(app, users["agency"].email)
    assert admin.get(f"/staf/pengguna/{missing}").status_code == 404
    token = csrf(admin)
    answer = admin.post(f"/staf/pengguna/{missing}/keluar-semua", data={"csrf_token": token})
    assert answer.status_code == 404
    assert officer.get(f"/staf/pengguna/{missing}").status_code == 403


def test_nobody_manages_their_own_account_here(app):
    users = make_accounts()
    client = signed_in(app, users["super"].email)
    html = client.get("/staf/pengguna/").get_data(as_text=True)
    own = html.split(f'id="account-{users["super"].id}"', 1)[1].split("</tr>", 1)[0]
    assert "akun Anda" in own and "/staf/pengguna/" not in own
    assert 'href="/staf/akun"' in html
    assert client.get(f"/staf/pengguna/{users['super'].id}").status_code == 403
    stored = db.session.execute(select(User.active).where(User.id == users["super"].id))
    assert stored.scalar_one() is True

"""The account pages at work: an invitation through a real SMTP server, bad input, the audit
trail of every action, and the list's search, filters, pages and clocks."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts import tokens
from portal.accounts.models import AccountToken, User
from portal.accounts.services import NO_PASSWORD, find_by_email
from portal.audit import actions
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.paging import PAGE_SIZE
from portal.timeutil import utcnow
from tests.functional import test_outbox
from tests.functional.account_admin import count, csrf, make_accounts, signed_in

smtp = test_outbox.smtp  # the real SMTP server fixture
deliver_all = test_outbox.deliver_all
LINK = re.compile(r"http://localhost/staf/undangan/([A-Za-z0-9_-]{20,})")


def _body(message) -> str:
    return message.get_body(("plain",)).get_content() + message.get_body(("html",)).get_content()


def invite(client, **fields):
    data = {"csrf_token": csrf(client), "locale": "id", **fields}
    return client.post("/staf/pengguna/undang", data=data)


def entries(action: str | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.execute(stmt).scalars())


# --- the invitation ----------------------------------------------------------------------


def test_an_invitation_reaches_the_officer_in_their_language_and_a_resend_kills_it(app, smtp):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    answer = invite(
        admin,
        email="Farmasi@Kalsel.example.org",
        role="unit-officer",
        agency="rsud-ulin",
        unit="rsud-ulin/instalasi-farmasi",
        locale="en",
    )
    assert answer.status_code == 303
    user = find_by_email("farmasi@kalsel.example.org")
    assert (user.role, user.region_id, user.agency_id, user.unit_id, user.locale) == (
        "unit-officer",
        "kalsel",
        "rsud-ulin",
        "instalasi-farmasi",
        "en",
    )
    assert user.password_hash == NO_PASSWORD and user.invitation_pending
    assert user.invited_by_id == users["kalsel_admin"].id
    assert answer.headers["Location"].endswith(f"/staf/pengguna/{user.id}")
    page = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Undangan dikirim ke farmasi@kalsel.example.org" in page and "WITA" in page

    # The outbox row names the token row, never the token.
    (row,) = db.session.execute(select(OutboxMessage)).scalars()
    context = json.loads(row.context_json)
    assert row.locale == "en" and row.region_id == "kalsel"
    assert set(context) >= {"account_token_id", "inviter", "role_label", "scope_names", "expires"}

    deliver_all()
    (mail,) = smtp.inbox.to("farmasi@kalsel.example.org")
    body = _body(mail)
    assert mail["Subject"] == "Your Aduan Langsung staff account invitation"
    assert "Role: Unit officer" in body and "Invited by: admin@kalsel.example.org" in body
    assert "WITA" in body  # the expiry on the region's clock
    first = LINK.search(body).group(1)
    assert first not in row.context_json
    checked, account = tokens.check(first, tokens.INVITE)
    assert checked.purpose == tokens.INVITE
    assert account.id == user.id

    # A second tap within a minute sends nothing (it would kill the link being opened).
    again = admin.post(f"/staf/pengguna/{user.id}/undang-lagi", data={"csrf_token": csrf(admin)})
    assert again.status_code == 303
    assert "baru saja dikirim" in admin.get(again.headers["Location"]).get_data(as_text=True)
    deliver_all()
    assert len(smtp.inbox.to("farmasi@kalsel.example.org")) == 1
    tokens.check(first, tokens.INVITE)  # still good

    _invited_minutes_ago(2)
    resent = admin.post(f"/staf/pengguna/{user.id}/undang-lagi", data={"csrf_token": csrf(admin)})
    assert resent.status_code == 303
    deliver_all()
    assert len(smtp.inbox.to("farmasi@kalsel.example.org")) == 2
    second = LINK.search(_body(smtp.inbox.to("farmasi@kalsel.example.org")[1])).group(1)
    assert second != first
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.check(first, tokens.INVITE)
    assert refused.value.reason == "used"
    assert tokens.check(second, tokens.INVITE)[1].id == user.id


def test_an_indonesian_invitation_speaks_indonesian(app, smtp):
    users = make_accounts()
    admin = signed_in(app, users["super"].email)
    answer = invite(admin, email="pimpinan@hst.example.org", role="leader", region="hst")
    assert answer.status_code == 303
    deliver_all()
    (mail,) = smtp.inbox.to("pimpinan@hst.example.org")
    body = _body(mail)
    assert mail["Subject"] == "Undangan akun staf Aduan Langsung"
    assert "Peran: Pimpinan" in body and "Kabupaten Hulu Sungai Tengah" in body
    assert tokens.check(LINK.search(body).group(1), tokens.INVITE)[1].email == (
        "pimpinan@hst.example.org"
    )


def test_a_used_invitation_cannot_be_resent_and_a_pending_one_cannot_sign_in(app, h):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    assert invite(admin, email="baru@kalsel.example.org", role="leader").status_code == 303
    user = find_by_email("baru@kalsel.example.org")
    assert h.login(app.test_client(), "baru@kalsel.example.org", NO_PASSWORD).status_code == 401
    user.password_set_at = utcnow()  # the link was used (helper pages set this)
    db.session.commit()
    answer = admin.post(f"/staf/pengguna/{user.id}/undang-lagi", data={"csrf_token": csrf(admin)})
    assert answer.status_code == 303
    page = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "tidak memiliki undangan yang belum dipakai" in page
    assert count(AccountToken) == 1 and count(OutboxMessage) == 1


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        dict(role="super-admin"),
        dict(role="regional-admin", region="kalsel"),
        dict(role="agency-officer", agency="rsud-damanhuri"),  # HST's hospital
        dict(role="unit-officer", agency="rsud-damanhuri", unit="rsud-damanhuri/igd"),
        dict(role="unit-officer", unit="rsud-damanhuri/igd"),
        dict(role="leader", region="hst"),  # a regional admin's region is always their own
    ],
)
def test_a_regional_admin_cannot_invite_outside_their_powers(app, fields):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    answer = invite(admin, email="x@example.org", **fields)
    if fields.get("region") == "hst" and fields["role"] == "leader":
        # The posted region is ignored: the leader is Kalimantan Selatan's.
        assert answer.status_code == 303
        assert find_by_email("x@example.org").region_id == "kalsel"
        return
    assert answer.status_code == 403
    assert find_by_email("x@example.org") is None
    assert count(AccountToken) == 0 and count(OutboxMessage) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(role="unit-officer", agency="rsud-ulin", unit="tidak-ada"), "Unit tidak ada"),
        (dict(role="unit-officer", agency="rsud-ulin", unit="rsud-ulin/tidak-ada"), "Unit tidak"),
        (dict(role="unit-officer", agency="rsud-ulin"), "Pilih unit untuk peran ini."),
        (dict(role="agency-officer", agency="tidak-ada"), "Instansi tidak dikenal."),
        (dict(role="agency-officer"), "Pilih instansi untuk peran ini."),
        (dict(role="kepala-dinas"), "Pilih peran dari daftar."),
        (dict(role="leader", email="bukan-email"), "Tulis alamat e-mail yang benar."),
        (dict(role="leader", locale="fr"), "Pilih bahasa dari daftar."),
        (dict(role="leader", email="RSUD@kalsel.example.org"), "Sudah ada akun"),
    ],
)
def test_bad_invitations_are_explained_and_store_nothing(app, fields, message):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    before = count(User)
    answer = invite(admin, **{"email": "x@kalsel.example.org", **fields})
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert 'id="error-summary"' in answer.get_data(as_text=True)
    assert count(User) == before and count(AccountToken) == 0 and count(OutboxMessage) == 0
    assert entries(actions.ACCOUNT_INVITED) == []


def test_a_form_without_csrf_is_refused_and_stores_nothing(app):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    target = users["unit"]
    before = (count(User), target.session_generation)
    data = {"email": "x@kalsel.example.org", "role": "leader", "locale": "id"}
    assert admin.post("/staf/pengguna/undang", data=data).status_code == 400
    for path in ("keluar-semua", "undang-lagi", "reset-dua-langkah", "aktif"):
        answer = admin.post(f"/staf/pengguna/{target.id}/{path}", data={"active": "0"})
        assert answer.status_code == 400, path
    answer = admin.post(f"/staf/pengguna/{target.id}", data={"role": "leader"})
    assert answer.status_code == 400
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert (count(User), target.session_generation) == before
    assert (target.role, target.active) == ("unit-officer", True)
    assert entries(actions.ACCOUNT_INVITED) == entries(actions.ACCOUNT_CHANGED) == []


@pytest.mark.parametrize(
    "fields",
    [
        dict(role="super-admin"),
        dict(role="regional-admin", region="kalsel"),
        dict(role="agency-officer", agency="rsud-damanhuri"),
    ],
)
def test_a_regional_admin_cannot_promote_or_move_an_account_out_of_reach(app, fields):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    target = users["unit"]
    answer = admin.post(f"/staf/pengguna/{target.id}", data={"csrf_token": csrf(admin), **fields})
    assert answer.status_code == 403
    db.session.expire_all()
    stored = db.session.get(User, target.id)
    assert (stored.role, stored.agency_id, stored.unit_id) == (
        "unit-officer",
        "rsud-ulin",
        "poli-umum",
    )
    assert entries(actions.ACCOUNT_CHANGED) == []


# --- changes and the audit trail ---------------------------------------------------------


def test_a_role_change_is_recorded_with_old_and_new(app):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    target = users["unit"]
    answer = admin.post(
        f"/staf/pengguna/{target.id}",
        data={"csrf_token": csrf(admin), "role": "agency-officer", "agency": "bapenda-kalsel"},
    )
    assert answer.status_code == 303
    db.session.expire_all()
    stored = db.session.get(User, target.id)
    assert (stored.role, stored.agency_id, stored.unit_id) == (
        "agency-officer",
        "bapenda-kalsel",
        None,
    )
    (entry,) = entries(actions.ACCOUNT_CHANGED)
    assert json.loads(entry.detail_json) == {
        "role": ["unit-officer", "agency-officer"],
        "agency": ["rsud-ulin", "bapenda-kalsel"],
        "unit": ["poli-umum", None],
    }
    page = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Peran dan cakupan akun poli@kalsel.example.org diubah." in page


def _invited_minutes_ago(minutes: int) -> None:
    """Every invitation link made that long ago (a resend waits a minute after the last)."""
    db.session.execute(
        update(AccountToken).values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_every_action_is_recorded_with_who_where_and_whom(app):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    assert invite(admin, email="baru@kalsel.example.org", role="leader").status_code == 303
    invited = find_by_email("baru@kalsel.example.org")
    target = users["unit"]
    target.totp_secret, target.totp_confirmed_at = "sealed", utcnow()
    db.session.commit()
    _invited_minutes_ago(2)
    token = csrf(admin)
    for path, data in (
        (f"{invited.id}/undang-lagi", {}),
        (f"{target.id}/keluar-semua", {}),
        (f"{target.id}/reset-dua-langkah", {}),
        (f"{target.id}/aktif", {"active": "0"}),
        (f"{target.id}/aktif", {"active": "1"}),
        (f"{target.id}", {"role": "leader"}),
    ):
        answer = admin.post(f"/staf/pengguna/{path}", data={"csrf_token": token, **data})
        assert answer.status_code == 303, path
    found = [
        (e.action, e.actor_id, e.actor_email, e.address, e.target_id, e.target_label, e.region_id)
        for e in entries()
        if e.action != actions.SIGN_IN
    ]
    me = (users["kalsel_admin"].id, "admin@kalsel.example.org", "127.0.0.1")
    new = (str(invited.id), "baru@kalsel.example.org", "kalsel")
    unit = (str(target.id), "poli@kalsel.example.org", "kalsel")
    assert found == [
        (actions.ACCOUNT_INVITED, *me, *new),
        (actions.INVITATION_RESENT, *me, *new),
        (actions.SIGNED_OUT_EVERYWHERE, *me, *unit),
        (actions.TWO_FACTOR_RESET, *me, *unit),
        (actions.ACCOUNT_DISABLED, *me, *unit),
        (actions.ACCOUNT_ENABLED, *me, *unit),
        (actions.ACCOUNT_CHANGED, *me, *unit),
    ]
    for entry in entries():  # never a token in the trail
        for row in db.session.execute(select(AccountToken)).scalars():
            assert tokens.link_token(row, app.config["SECRET_KEY"]) not in entry.detail_json


def test_disabling_ends_the_sessions_and_refuses_sign_in(app, h):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    officer = signed_in(app, users["unit"].email)
    assert officer.get("/staf/akun").status_code == 200
    token = csrf(admin)
    data = {"csrf_token": token, "active": "0"}
    assert admin.post(f"/staf/pengguna/{users['unit'].id}/aktif", data=data).status_code == 303
    assert officer.get("/staf/akun").status_code == 302  # sent to sign in
    assert h.login(app.test_client(), users["unit"].email, "kata-sandi-uji-123").status_code == 401


def test_sign_out_everywhere_ends_the_officers_sessions(app):
    users = make_accounts()
    admin = signed_in(app, users["super"].email)
    officer = signed_in(app, users["hst_agency"].email)
    path = f"/staf/pengguna/{users['hst_agency'].id}/keluar-semua"
    assert admin.post(path, data={"csrf_token": csrf(admin)}).status_code == 303
    assert officer.get("/staf/akun").status_code == 302


# --- the list ----------------------------------------------------------------------------


def test_the_list_searches_filters_pages_and_shows_the_regions_clock(app):
    users = make_accounts()
    users["unit"].last_sign_in_at = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 09.30 WITA
    users["leader"].active = False
    for n in range(PAGE_SIZE + 3):
        db.session.add(
            User(
                email=f"petugas{n:02d}@kalsel.example.org",
                password_hash=NO_PASSWORD,
                role="agency-officer",
                region_id="kalsel",
                agency_id="bapenda-kalsel",
                invited_at=utcnow(),
            )
        )
    db.session.commit()
    admin = signed_in(app, users["kalsel_admin"].email)

    def shown(query: str) -> list[str]:
        html = admin.get(f"/staf/pengguna/{query}").get_data(as_text=True)
        return re.findall(r'<a href="/staf/pengguna/\d+">([^<]+)</a>', html)

    assert shown("?q=POLI") == ["poli@kalsel.example.org"]
    assert shown("?q=%25") == []  # a wildcard is a character, not "everything"
    assert shown("?role=leader") == ["sekda@kalsel.example.org"]
    assert shown("?state=nonaktif") == ["sekda@kalsel.example.org"]
    assert shown("?state=aktif") == ["poli@kalsel.example.org", "rsud@kalsel.example.org"]
    assert shown("?unit=rsud-ulin/poli-umum") == ["poli@kalsel.example.org"]
    assert shown("?agency=rsud-ulin") == ["poli@kalsel.example.org", "rsud@kalsel.example.org"]
    pending = shown("?state=undangan")
    assert len(pending) == PAGE_SIZE and pending[0] == "petugas00@kalsel.example.org"
    second = admin.get("/staf/pengguna/?state=undangan&halaman=2").get_data(as_text=True)
    assert "petugas27@kalsel.example.org" in second and "Halaman 2 dari 2" in second
    assert 'href="/staf/pengguna/?state=undangan&amp;halaman=1"' in second
    # Another region's agency as a filter is dropped, with a message, not obeyed.
    html = admin.get("/staf/pengguna/?agency=rsud-damanhuri").get_data(as_text=True)
    assert "tidak dikenal, diabaikan" in html
    assert "rsud@hst.example.org" not in html
    row = admin.get("/staf/pengguna/?q=poli").get_data(as_text=True)
    assert "09.30 WITA" in row and "Petugas unit" in row and "Poli Umum" in row
    assert "Undangan belum dipakai" in admin.get("/staf/pengguna/?q=petugas01").get_data(
        as_text=True
    )


def test_the_pages_speak_english(app):
    users = make_accounts()
    admin = signed_in(app, users["kalsel_admin"].email)
    admin.get("/bahasa/en")
    html = admin.get("/staf/pengguna/").get_data(as_text=True)
    assert "Staff accounts" in html and "Unit officer" in html
    assert "Invite a new account" in admin.get("/staf/pengguna/undang").get_data(as_text=True)

"""The account page's own settings (issue 18, self-service): language and notices, their
audit entries, their effect on the staff member's pages and e-mails (delivered to a real
SMTP server), and the audit entries of a password change and "sign out everywhere"."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.services import create_user, find_by_email
from portal.audit import actions
from portal.audit.models import AuditEntry
from portal.cases.sla import tick
from portal.clocks.calendar import calendar_for
from portal.extensions import db
from tests.functional import test_outbox
from tests.functional.case_actions import ACCOUNTS, PASSWORD, act
from tests.functional.test_notifications import CONTACT, _at, _queued, _report
from tests.functional.test_outbox import deliver_all

smtp = test_outbox.smtp  # the real SMTP server fixture
EMAIL = "admin.kalsel@example.org"
KINDS = ["new_case", "reminder", "escalation", "digest", "case_moved", "disposed"]


@pytest.fixture
def signed_in(app, router, h):
    create_user(router, email=EMAIL, password=PASSWORD, role="regional-admin", region="kalsel")
    client = app.test_client()
    assert h.login(client, EMAIL, PASSWORD).status_code == 302
    return client


def save(client, h, locale: str, on: list[str]):
    fields = h.hidden_fields(client.get("/staf/akun").data)
    data = {"csrf_token": fields["csrf_token"], "locale": locale, "notices_on": on}
    return client.post("/staf/akun/preferensi", data=data)


def entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.execute(stmt).scalars())


def account() -> User:
    db.session.expire_all()
    return find_by_email(EMAIL)


# --- the page and the form --------------------------------------------------------------------


def test_the_account_page_shows_the_preferences_and_the_two_factor_link(signed_in):
    html = signed_in.get("/staf/akun").get_data(as_text=True)
    assert 'action="/staf/akun/preferensi"' in html
    assert html.count('href="/staf/akun/dua-langkah"') == 1  # one card for two-step sign-in
    assert "Pasang masuk dua langkah" in html
    assert 'id="locale-id" name="locale" value="id" checked' in html
    # each part once, and the page's title is just its name
    assert html.count('id="preferences"') == 1 and html.count('id="two-factor"') == 1
    title = html[html.index("<title>") + 7 : html.index("</title>")]
    assert title.startswith("Akun saya") and "<" not in title
    for kind in KINDS:  # everything on for a new account, but what admins never get
        offered = f'name="notices_on" value="{kind}" checked' in html
        assert offered == (kind != "digest"), kind  # the leaders' digest
    assert "Pengingat batas waktu" in html


def test_each_role_is_offered_the_notices_it_can_get(app, router, h):
    """A unit officer never gets the admins' new-report notice nor the leaders' digest:
    they are not offered, and saving keeps them as they were."""
    create_user(
        router,
        email="petugas@example.org",
        password=PASSWORD,
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )
    officer = app.test_client()
    assert h.login(officer, "petugas@example.org", PASSWORD).status_code == 302
    html = officer.get("/staf/akun").get_data(as_text=True)
    for kind in KINDS:
        assert (f'value="{kind}"' in html) == (kind not in ("new_case", "digest")), kind
    assert save(officer, h, "id", ["reminder", "escalation", "case_moved"]).status_code == 303
    db.session.expire_all()
    assert find_by_email("petugas@example.org").notices_off == "disposed"


def test_the_account_page_title_is_words_and_every_form_is_in_the_page(signed_in):
    """The page's <title> once held the preferences form (a block left open in a merge):
    the tab read as markup and a form sat in the head. One title, each form once."""
    html = signed_in.get("/staf/akun").get_data(as_text=True)
    (title,) = re.findall(r"<title>(.*?)</title>", html, re.S)
    assert title == "Akun saya · Aduan Langsung"
    head, body = html.split("</head>", 1)
    assert "<form" not in head
    for form in ("change-password", "preferences", "sign-out-everywhere"):
        assert body.count(f'id="{form}"') == 1, form


def test_saving_language_and_notices_records_old_and_new(signed_in, h):
    saved = save(signed_in, h, "en", ["new_case", "escalation", "case_moved"])
    assert saved.status_code == 303 and saved.headers["Location"] == "/staf/akun"
    user = account()
    assert user.locale == "en" and user.notices_off == "reminder,disposed"
    (entry,) = entries(actions.PREFERENCES_CHANGED)
    assert entry.actor_id == user.id and entry.target_id == str(user.id)
    assert json.loads(entry.detail_json) == {
        "locale": ["id", "en"],
        "notices_off": [[], ["reminder", "disposed"]],
    }
    page = signed_in.get("/staf/akun").get_data(as_text=True)
    assert '<html lang="en">' in page and "Preferences saved." in page
    assert 'name="notices_on" value="reminder"' in page
    assert 'name="notices_on" value="reminder" checked' not in page

    assert save(signed_in, h, "en", ["new_case", "escalation", "case_moved"]).status_code == 303
    assert len(entries(actions.PREFERENCES_CHANGED)) == 1  # nothing changed: nothing recorded


@pytest.mark.parametrize(
    ("locale", "on"),
    [("fr", KINDS), ("", KINDS), ("id", ["reminder", "bukan-jenis"])],
)
def test_a_bad_preference_changes_nothing(signed_in, h, locale, on):
    refused = save(signed_in, h, locale, on)
    assert refused.status_code == 400
    assert "Preferensi belum disimpan" in refused.get_data(as_text=True)
    user = account()
    assert user.locale == "id" and user.notices_off == ""
    assert not entries(actions.PREFERENCES_CHANGED)


def test_preferences_need_a_sign_in(client):
    response = client.post("/staf/akun/preferensi", data={"locale": "en"})
    assert response.status_code in (302, 400)
    assert find_by_email(EMAIL) is None


# --- the saved language on the staff member's pages -----------------------------------------


def test_the_saved_language_is_the_default_and_a_language_link_still_wins(app, router, h):
    create_user(router, email=EMAIL, password=PASSWORD, role="regional-admin", region="kalsel")
    user = find_by_email(EMAIL)
    user.locale = "en"
    db.session.commit()
    client = app.test_client()
    assert '<html lang="id">' in client.get("/staf/masuk").get_data(as_text=True)  # not yet
    assert h.login(client, EMAIL, PASSWORD).status_code == 302
    assert '<html lang="en">' in client.get("/staf/akun").get_data(as_text=True)
    client.get("/bahasa/id?next=/staf/akun")  # the explicit switch
    assert '<html lang="id">' in client.get("/staf/akun").get_data(as_text=True)
    assert '<html lang="id">' in app.test_client().get("/").get_data(as_text=True)


# --- own password and own "sign out everywhere": audited, and the notice ---------------------


def test_changing_the_own_password_is_recorded_and_announced(signed_in, h, smtp):
    fields = h.hidden_fields(signed_in.get("/staf/akun").data)
    new = "kota seribu sungai 2026"
    changed = signed_in.post(
        "/staf/akun",
        data={
            "csrf_token": fields["csrf_token"],
            "current_password": PASSWORD,
            "new_password": new,
            "confirm": new,
        },
    )
    assert changed.status_code == 302
    (entry,) = entries(actions.PASSWORD_CHANGED)
    assert entry.actor_id == account().id and entry.address == "127.0.0.1"
    assert new not in entry.detail_json and PASSWORD not in entry.detail_json
    deliver_all()
    (mail,) = smtp.inbox.to(EMAIL)
    assert mail["Subject"] == "Kata sandi akun staf Aduan Langsung Anda diganti"
    assert "di halaman akun" in mail.get_body(("plain",)).get_content()


def test_a_refused_password_change_records_and_sends_nothing(signed_in, h):
    fields = h.hidden_fields(signed_in.get("/staf/akun").data)
    refused = signed_in.post(
        "/staf/akun",
        data={
            "csrf_token": fields["csrf_token"],
            "current_password": "salah-sekali-123",
            "new_password": "kota seribu sungai 2026",
            "confirm": "kota seribu sungai 2026",
        },
    )
    assert refused.status_code == 400
    assert not entries(actions.PASSWORD_CHANGED)
    assert not _queued("password_changed")


def test_sign_out_everywhere_is_recorded(signed_in, h):
    token = h.hidden_fields(signed_in.get("/staf/akun").data)["csrf_token"]
    assert signed_in.post("/staf/akun/keluar-semua", data={"csrf_token": token}).status_code == 302
    (entry,) = entries(actions.SIGNED_OUT_EVERYWHERE)
    assert entry.actor_id == account().id
    assert signed_in.get("/staf/akun").status_code == 302


# --- the preferences decide the staff e-mails -------------------------------------------------


def _set(email: str, locale: str = "id", off: str = "") -> None:
    user = find_by_email(email)
    user.locale, user.notices_off = locale, off
    db.session.commit()


def test_an_english_officer_gets_the_english_reminder_and_a_muted_one_none(
    app, router, staff, smtp
):
    _set(ACCOUNTS["unit"]["email"], locale="en")
    _set(ACCOUNTS["agency"]["email"], off="reminder")
    complaint = _report(app, router, date(2026, 12, 1))
    act(staff["admin"], complaint.tracking_code, "verify", target="rsud-ulin/poli-umum")
    db.session.expire_all()
    due = complaint.followup_due
    calendar = calendar_for(router.holidays_for("kalsel"))
    day_before = next(
        due - timedelta(days=n)
        for n in range(1, 10)
        if calendar.is_working_day(due - timedelta(days=n))
    )
    tick(router, now=_at(day_before))
    reminders = _queued("reminder")
    assert {r.recipient for r in reminders} == {CONTACT, "poli@kalsel.example.org"}
    assert {r.recipient: r.locale for r in reminders} == {
        CONTACT: "id",  # a routing-file contact: no account, Indonesian
        "poli@kalsel.example.org": "en",
    }
    tick(router, now=_at(day_before, hour=5))  # the dedupe keys still hold
    assert len(_queued("reminder")) == 2
    deliver_all(_at(day_before))
    code = complaint.tracking_code
    (english,) = smtp.inbox.to("poli@kalsel.example.org")[-1:]
    assert english["Subject"].startswith(f"Reminder: report {code} is due on")
    (indonesian,) = [m for m in smtp.inbox.to(CONTACT) if "Pengingat" in m["Subject"]]
    assert indonesian["Subject"].startswith(f"Pengingat: batas waktu laporan {code}")
    assert not [m for m in smtp.inbox.to("rsud@kalsel.example.org") if "Pengingat" in m["Subject"]]


def test_a_routing_contact_always_gets_its_notice_even_with_an_account(app, router):
    """pengaduan.kalsel@ is the region's desk in the routing file; an account with that
    address that turned reminders off still gets the desk's reminder."""
    create_user(
        router,
        email="pengaduan.kalsel@example.org",
        password=PASSWORD,
        role="leader",
        region="kalsel",
    )
    create_user(router, password=PASSWORD, **ACCOUNTS["admin"])
    _set("pengaduan.kalsel@example.org", locale="en", off="reminder")
    _set(ACCOUNTS["admin"]["email"], off="reminder")
    _report(app, router, date(2026, 12, 22))
    tick(router, now=_at(date(2026, 12, 28)))
    assert {r.recipient for r in _queued("reminder")} == {"pengaduan.kalsel@example.org"}
    (row,) = _queued("reminder")
    assert row.locale == "en"  # the account's language still applies


def test_a_muted_leader_gets_no_digest_and_an_english_one_an_english_digest(
    app, router, staff, smtp
):
    create_user(
        router, email="wakil@kalsel.example.org", password=PASSWORD, role="leader", region="kalsel"
    )
    _set("sekda@kalsel.example.org", off="digest")
    _set("wakil@kalsel.example.org", locale="en")
    _report(app, router, date(2026, 12, 22))
    tick(router, now=_at(date(2026, 12, 30)))
    (digest,) = _queued("digest")
    assert digest.recipient == "wakil@kalsel.example.org" and digest.locale == "en"
    deliver_all(_at(date(2026, 12, 30)))
    inbox = smtp.inbox.to("wakil@kalsel.example.org")
    (mail,) = [m for m in inbox if m["Subject"].startswith("Daily")]
    assert "1 overdue" in mail["Subject"]
    assert not [m for m in smtp.inbox.to("sekda@kalsel.example.org") if "Ringkasan" in m["Subject"]]


def test_case_event_notices_follow_the_preferences(app, staff, case, smtp):
    """A disposal reaches the unit's officers: the muted one gets nothing."""
    _set(ACCOUNTS["unit"]["email"], off="disposed")
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    deliver_all()
    assert not [
        m for m in smtp.inbox.to("poli@kalsel.example.org") if "didisposisikan" in m["Subject"]
    ]
    assert [m for m in smtp.inbox.to("rsud@kalsel.example.org") if "didisposisikan" in m["Subject"]]

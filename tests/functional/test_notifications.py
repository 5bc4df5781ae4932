"""Who hears of what, with which content: case events, privacy, reminders and escalations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.accounts.services import create_user
from portal.cases.sla import tick
from portal.clocks.calendar import calendar_for
from portal.complaints.channels import WEB
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.intake.report import NewReport
from portal.intake.submission import submit_report
from portal.notifications.models import OutboxMessage
from tests.functional import test_outbox
from tests.functional.case_actions import ACCOUNTS, PASSWORD, act, citizen
from tests.functional.test_outbox import deliver_all, rows

ULIN = ("rsud-ulin", "poli-umum", "pendaftaran")
smtp = test_outbox.smtp  # the real SMTP server fixture
CONTACT = "humas.rsudulin@example.org"  # RSUD Ulin's contact (the unit has none of its own)


def _body(message) -> str:
    return message.get_body(("plain",)).get_content() + message.get_body(("html",)).get_content()


def test_the_citizen_hears_of_every_step(app, staff, case, smtp):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "hold", text="Jam berapa Anda datang?")
    citizen(app.test_client(), code, token, "jawab", text="Pukul 08.00")
    act(staff["unit"], code, "respond", text="Loket ditambah mulai Senin.")
    act(staff["admin"], code, "close")
    deliver_all()

    subjects = [m["Subject"] for m in smtp.inbox.to("siti@example.org")]
    assert subjects == [
        f"Laporan {code} sudah kami terima",
        f"Laporan {code} sudah diverifikasi",
        f"Petugas membutuhkan keterangan tambahan untuk laporan {code}",
        f"Laporan {code} sudah ditanggapi",
        f"Laporan {code} sudah selesai",
    ]
    on_hold, responded = smtp.inbox.to("siti@example.org")[2:4]
    link = f"http://localhost/lacak/{code}?t={token}"
    assert "Jam berapa Anda datang?" in _body(on_hold) and link in _body(on_hold)
    assert "Loket ditambah mulai Senin." in _body(responded) and link in _body(responded)


def test_the_unit_hears_when_a_case_is_disposed_to_it(app, staff, case, smtp):
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    deliver_all()
    for address in ("poli@kalsel.example.org", "rsud@kalsel.example.org"):
        disposed = [m for m in smtp.inbox.to(address) if "didisposisikan" in m["Subject"]]
        assert len(disposed) == 1 and code in disposed[0]["Subject"]
    assert not smtp.inbox.to("igd@kalsel.example.org")  # another unit hears nothing


def test_anonim_reporters_never_appear_in_staff_mail(app, staff, client, h, ulin_payload, smtp):
    code, _ = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", anonymous="y", reporter_name="Budi Santoso")
    )
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    deliver_all()
    staff_mail = [m for m in smtp.inbox.messages if m["To"] != "siti@example.org"]
    assert len(staff_mail) >= 4
    for message in staff_mail:
        text = (message["Subject"] + _body(message)).lower()
        for secret in ("budi", "santoso", "siti", "0812", "3456"):
            assert secret not in text, (message["To"], secret)
    assert smtp.inbox.to("siti@example.org")  # the reporter still gets their receipt


def test_rahasia_content_only_reaches_those_who_could_open_the_case(
    app, staff, client, h, ulin_payload, smtp
):
    title = "Pungutan liar di loket pendaftaran"
    code, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}", confidential="y", title=title))
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    deliver_all()
    (contact_mail,) = [m for m in smtp.inbox.to(CONTACT) if "Laporan baru" in m["Subject"]]
    assert title not in _body(contact_mail) and "Rahasia" in _body(contact_mail)
    for address in ("admin@kalsel.example.org", "poli@kalsel.example.org"):
        assert all(title in _body(m) for m in smtp.inbox.to(address))
    for message in smtp.inbox.messages:
        if message["To"] != "siti@example.org":
            assert "Saya menunggu tiga jam" not in _body(message)  # no description to staff


# --- reminders, escalations, digests ----------------------------------------------------------


def _at(day: date, hour: int = 1) -> datetime:
    """09:00 in Banjarmasin (UTC+8) on that day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _report(app, router, submitted: date, key: str = "k1") -> Complaint:
    receipt = submit_report(
        ULIN,
        NewReport(
            submission_key=f"notification-test-{key}",
            classification="complaint",
            title="Antrean lama",
            description="Menunggu tiga jam di loket pendaftaran.",
            reporter_name="Warga Uji",
            reporter_email="warga@example.org",
        ),
        [],
        channel=WEB,
        router=router,
        store=app.extensions["photo_store"],
        secret=app.config["SECRET_KEY"],
        now=_at(submitted),
    )
    return db.session.execute(
        select(Complaint).filter_by(tracking_code=receipt.tracking_code)
    ).scalar_one()


def _queued(template: str) -> list[OutboxMessage]:
    return [r for r in rows() if r.template == template]


def test_reminder_one_working_day_before_the_deadline_across_holidays(app, router):
    for name in ("admin", "leader"):
        create_user(router, password=PASSWORD, **ACCOUNTS[name])
    complaint = _report(app, router, date(2026, 12, 22))  # Tuesday before Christmas
    assert complaint.verify_due == date(2026, 12, 29)  # 24–27 are holidays and a weekend
    calendar = calendar_for(router.holidays_for("kalsel"))
    assert not calendar.is_working_day(date(2026, 12, 24))

    for day in (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 26)):
        tick(router, now=_at(day))
        assert _queued("reminder") == [], day  # the calendar day before is not it
    tick(router, now=_at(date(2026, 12, 28)))  # Monday: the working day before
    reminders = _queued("reminder")
    assert {r.recipient for r in reminders} == {
        "admin@kalsel.example.org",
        "pengaduan.kalsel@example.org",
    }
    tick(router, now=_at(date(2026, 12, 28), hour=5))
    tick(router, now=_at(date(2026, 12, 29)))
    assert len(_queued("reminder")) == 2  # never twice for the same deadline

    assert _queued("escalation") == []
    tick(router, now=_at(date(2026, 12, 30)))
    escalations = _queued("escalation")
    assert {r.recipient for r in escalations} == {
        "sekda@kalsel.example.org",
        "pengaduan.kalsel@example.org",
    }
    tick(router, now=_at(date(2026, 12, 30), hour=6))
    assert len(_queued("escalation")) == 2


def test_the_handling_unit_is_reminded_and_the_agency_head_escalated_to(app, router, staff):
    complaint = _report(app, router, date(2026, 12, 1))
    code = complaint.tracking_code
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    db.session.expire_all()
    due = complaint.followup_due
    calendar = calendar_for(router.holidays_for("kalsel"))
    day_before = next(
        due - timedelta(days=n)
        for n in range(1, 10)
        if calendar.is_working_day(due - timedelta(days=n))
    )
    tick(router, now=_at(day_before))
    assert {r.recipient for r in _queued("reminder")} == {
        CONTACT,
        "poli@kalsel.example.org",
        "rsud@kalsel.example.org",
    }
    tick(router, now=_at(due + timedelta(days=1)))
    assert {r.recipient for r in _queued("escalation")} == {CONTACT, "sekda@kalsel.example.org"}


def test_no_reminder_for_a_case_on_hold(app, router, staff):
    complaint = _report(app, router, date(2026, 12, 22))
    act(staff["admin"], complaint.tracking_code, "hold", text="Di loket mana?")
    # Asked the day it arrived: its 10 working days last until Friday 8 January 2027, so
    # every tick below finds it still on hold (a hold that runs out has tests of its own).
    db.session.refresh(complaint)
    complaint.hold_started_at = _at(date(2026, 12, 22))
    db.session.commit()
    for day in (date(2026, 12, 28), date(2026, 12, 30), date(2027, 1, 8)):
        tick(router, now=_at(day))
    assert _queued("reminder") == [] and _queued("escalation") == []
    assert _queued("digest") == []


def test_leaders_get_one_digest_per_working_day_when_something_is_overdue(app, router, staff):
    _report(app, router, date(2026, 12, 22))
    tick(router, now=_at(date(2026, 12, 29)))
    assert _queued("digest") == []  # nothing overdue yet
    tick(router, now=_at(date(2026, 12, 30)))
    tick(router, now=_at(date(2026, 12, 30), hour=8))
    (digest,) = _queued("digest")
    assert digest.recipient == "sekda@kalsel.example.org"
    tick(router, now=_at(date(2027, 1, 1)))  # New Year's Day: no digest
    tick(router, now=_at(date(2027, 1, 4)))
    assert len(_queued("digest")) == 2


def test_a_digest_renders_and_is_delivered(app, router, staff, smtp):
    _report(app, router, date(2026, 12, 22))
    tick(router, now=_at(date(2026, 12, 30)))
    deliver_all(_at(date(2026, 12, 30)))
    (digest,) = [
        m for m in smtp.inbox.to("sekda@kalsel.example.org") if "Ringkasan" in m["Subject"]
    ]
    assert "1 laporan terlambat" in digest["Subject"] and "Antrean lama" in _body(digest)
    assert "/staf/dasbor" in _body(digest)  # the leader's next tap: the recap per agency


# --- the admin page of dead messages ----------------------------------------------------------


def _dead(region: str, recipient: str) -> OutboxMessage:
    from portal.notifications.outbox import add_message

    row = add_message("digest", recipient, {"cases": []}, region_id=region)
    row.status, row.last_error, row.attempts = "dead", "550 mailbox unavailable", 3
    db.session.commit()
    return row


def test_admins_see_and_resend_dead_messages_of_their_scope(app, router, staff, h):
    kalsel = _dead("kalsel", "mati@kalsel.example.org")
    hst = _dead("hst", "mati@hst.example.org")
    page = staff["admin"].get("/staf/surel/gagal").get_data(as_text=True)
    assert "mati@kalsel.example.org" in page and "550 mailbox unavailable" in page
    assert "mati@hst.example.org" not in page
    token = h.hidden_fields(page)["csrf_token"]
    assert (
        staff["admin"]
        .post(f"/staf/surel/{hst.id}/kirim-ulang", data={"csrf_token": token})
        .status_code
        == 404
    )
    response = staff["admin"].post(
        f"/staf/surel/{kalsel.id}/kirim-ulang", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert rows(id=kalsel.id)[0].status == "pending"
    assert rows(id=hst.id)[0].status == "dead"
    assert staff["leader"].get("/staf/surel/gagal").status_code == 403
    assert staff["unit"].get("/staf/surel/gagal").status_code == 403

    create_user(router, password=PASSWORD, email="super@example.org", role="super-admin")
    su = app.test_client()
    h.login(su, "super@example.org", PASSWORD)
    assert "mati@hst.example.org" in su.get("/staf/surel/gagal").get_data(as_text=True)


def test_a_reminder_queued_before_a_hold_is_dropped_not_sent(app, router, staff, smtp):
    complaint = _report(app, router, date(2026, 12, 22))
    tick(router, now=_at(date(2026, 12, 28)))  # reminders queued for the 29 Dec deadline
    queued = _queued("reminder")
    assert queued and all(r.status == "pending" for r in queued)
    reminded = {r.message_id for r in queued}
    act(staff["admin"], complaint.tracking_code, "hold", text="Di loket mana?")
    deliver_all(now=_at(date(2026, 12, 28), hour=2))
    assert {r.status for r in _queued("reminder")} == {"stale"}
    received = {m["Message-ID"] for m in smtp.inbox.messages}
    assert received and not (received & reminded)  # the hold question went out; no reminder


def test_a_unit_gone_from_the_routing_file_is_named_not_shown_as_its_id(app, router):
    """A rollback an admin confirmed can leave open cases in a unit the active version no
    longer has: e-mails about them name the unit as old, never by its raw id."""
    from portal.notifications.messages import names
    from tests.factories import stored_complaint

    complaint = stored_complaint(unit_id="ruang-hilang-0014")
    shown = names(complaint)
    assert shown["agency_name"] == router.agency_name("rsud-ulin")
    assert "ruang-hilang-0014" not in shown["unit_name"]
    assert shown["unit_name"] == "unit lama"

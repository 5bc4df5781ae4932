"""The staff side of WhatsApp and SMS: the channel and the "messages to the reporter" panel
on the case page, the failed WhatsApp/SMS page (scoped, re-send one, re-send by filter),
and who may see a reporter's number.

Phone rows are written with portal.messaging.outbox.add_phone_message and put in the state
under test directly (the delivery adapters are not what these tests are about); every page
is the real one, through the real app, on the real database.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.accounts.services import create_user
from portal.complaints.labels import channel_label, delivery_state_label, message_channel_label
from portal.extensions import db
from portal.messaging.failed import revive_phone
from portal.messaging.models import DEAD, PhoneMessage
from portal.messaging.outbox import add_phone_message
from portal.notifications.models import OutboxMessage
from portal.notifications.outbox import add_message
from portal.outbox.states import PENDING, SENT, STALE
from portal.timeutil import utcnow
from tests.factories import stored_complaint
from tests.helpers import hidden_fields

PASSWORD = "kata-sandi-uji-123"
PHONE_TYPED = "0812-3456-7890"
MSISDN = "6281234567890"
EMAIL = "siti.aminah@example.org"
# Every way the number could show up in a page: as typed, canonical, without the country
# code or leading zero, in the groups WhatsApp shows.
NUMBER_FORMS = (PHONE_TYPED, MSISDN, "81234567890", "812-3456-7890", "+62 812", "0812 3456")

ACCOUNTS = {
    "super-admin": dict(email="super@example.org", role="super-admin"),
    "regional-admin": dict(
        email="admin@kalsel.example.org", role="regional-admin", region="kalsel"
    ),
    "leader": dict(email="sekda@kalsel.example.org", role="leader", region="kalsel"),
    "agency-officer": dict(
        email="rsud@kalsel.example.org", role="agency-officer", agency="rsud-ulin"
    ),
    "unit-officer": dict(
        email="poli@kalsel.example.org", role="unit-officer", agency="rsud-ulin", unit="poli-umum"
    ),
    "hst-admin": dict(email="admin@hst.example.org", role="regional-admin", region="hst"),
}
# Who sees the reporter of an Anonim report: the region's administrators only.
SEES_ANONYMOUS = {"super-admin", "regional-admin"}


@pytest.fixture
def staff(app, router, h):
    clients = {}
    for name, spec in ACCOUNTS.items():
        create_user(router, password=PASSWORD, **spec)
        client = app.test_client()
        assert h.login(client, spec["email"], PASSWORD).status_code == 302
        clients[name] = client
    return clients


def phone_case(anonymous: bool = False, **fields):
    return stored_complaint(
        anonymous=anonymous,
        reporter_phone=PHONE_TYPED,
        reporter_msisdn=MSISDN,
        reporter_email=EMAIL,
        notify_via="whatsapp",
        **fields,
    )


def phone_row(complaint, kind="receipt", medium="whatsapp", *, status=PENDING, **values):
    row = add_phone_message(
        medium, MSISDN, kind, complaint_id=complaint.id, region_id=complaint.region_id
    )
    row.status = status
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()
    return row


def email_row(complaint, template="receipt", *, status=PENDING, **values):
    row = add_message(template, EMAIL, {}, complaint_id=complaint.id, region_id=complaint.region_id)
    row.status = status
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()
    return row


def panel(html: str) -> str:
    match = re.search(r'<div class="card" id="citizen-messages">(.*?)</table>', html, re.S)
    assert match, "no messages panel"
    return match.group(1)


def rows_of(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
        for r in re.findall(r"<tr class=\"message-[a-z_]+\">(.*?)</tr>", panel(html), re.S)
    ]


def post(client, url: str, **data):
    token = hidden_fields(client.get("/staf/antrian").get_data(as_text=True))["csrf_token"]
    return client.post(url, data={"csrf_token": token, **data})


# --- the channel --------------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "shown"), [("whatsapp", "WhatsApp"), ("sms", "SMS")])
def test_the_case_page_shows_the_channel_the_report_came_through(staff, channel, shown):
    complaint = stored_complaint(channel=channel)
    html = (
        staff["unit-officer"].get(f"/staf/kasus/{complaint.tracking_code}").get_data(as_text=True)
    )
    assert re.search(rf'id="case-channel">melalui {shown}</span>', html)


def test_channel_and_message_labels_in_english(app):
    with app.test_request_context(), force_locale("en"):
        assert channel_label("whatsapp") == "WhatsApp" and channel_label("sms") == "SMS"
        assert message_channel_label("email") == "E-mail"
        assert delivery_state_label("delivered") == "delivered"
        assert delivery_state_label("failed", "131026") == "failed: 131026"
    with app.test_request_context(), force_locale("id"):
        assert delivery_state_label("failed", "131026") == "gagal: 131026"
        assert delivery_state_label("read") == "dibaca"


# --- the panel ------------------------------------------------------------------------------


def test_the_panel_lists_every_message_to_the_reporter_with_its_state(staff):
    complaint = phone_case()
    t0 = utcnow() - timedelta(hours=5)
    at = iter(t0 + timedelta(minutes=i) for i in range(20))
    email_row(complaint, "receipt", status=SENT, created_at=next(at))
    phone_row(complaint, "receipt", status=SENT, delivery_status="read", created_at=next(at))
    phone_row(complaint, "verified", "sms", status=SENT, created_at=next(at))
    phone_row(complaint, "on_hold", status=SENT, delivery_status="delivered", created_at=next(at))
    phone_row(
        complaint,
        "chat",
        status=SENT,
        delivery_status="failed",
        delivery_error="131026 message undeliverable",
        created_at=next(at),
    )
    phone_row(
        complaint,
        "responded",
        status=DEAD,
        attempts=4,
        last_error="template_missing: laporan_ditanggapi",
        created_at=next(at),
    )
    phone_row(complaint, "closed", "sms", status=PENDING, created_at=next(at))
    email_row(complaint, "closed", status=STALE, created_at=next(at))
    # Not to the reporter: the unit's own notice of the new case is not in the panel.
    email_row(complaint, "case_received", status=SENT, created_at=next(at))
    other = phone_case()
    phone_row(other, "receipt", status=SENT, created_at=next(at))  # another case's

    html = (
        staff["regional-admin"].get(f"/staf/kasus/{complaint.tracking_code}").get_data(as_text=True)
    )
    rows = rows_of(html)
    assert len(rows) == 8, rows
    expected = [
        ("E-mail", "Tanda terima laporan", "terkirim"),
        ("WhatsApp", "Tanda terima laporan", "dibaca"),
        ("SMS", "Laporan diverifikasi", "terkirim"),
        ("WhatsApp", "Pertanyaan petugas", "diterima"),
        ("WhatsApp", "Jawaban percakapan", "gagal: 131026 message undeliverable"),
        ("WhatsApp", "Tanggapan petugas", "gagal: template_missing: laporan_ditanggapi"),
        ("SMS", "Laporan selesai", "menunggu"),
        ("E-mail", "Laporan selesai", "tidak dikirim (tidak diperlukan lagi)"),
    ]
    for row, (channel, kind, state) in zip(rows, expected, strict=True):
        assert row.startswith(channel) and kind in row and state in row, (row, channel, kind, state)
    # Only the dead row has a re-send button (the provider's later "failed" is not dead).
    assert rows[5].endswith("Kirim ulang")
    assert sum(r.endswith("Kirim ulang") for r in rows) == 1


def test_a_retried_message_says_it_is_waiting_and_why(staff):
    complaint = phone_case()
    phone_row(complaint, status=PENDING, attempts=2, last_error="HTTP 503 from the Cloud API")
    html = (
        staff["unit-officer"].get(f"/staf/kasus/{complaint.tracking_code}").get_data(as_text=True)
    )
    (row,) = rows_of(html)
    assert "menunggu (dicoba lagi; terakhir: HTTP 503 from the Cloud API)" in row


def test_a_case_without_messages_says_so(staff):
    complaint = stored_complaint()
    html = (
        staff["unit-officer"].get(f"/staf/kasus/{complaint.tracking_code}").get_data(as_text=True)
    )
    assert "Belum ada pesan ke pelapor." in html


def test_admins_resend_a_dead_message_from_the_case_page_and_come_back(staff):
    complaint = phone_case()
    dead_phone = phone_row(
        complaint, "responded", status=DEAD, attempts=4, last_error="template_missing"
    )
    dead_mail = email_row(
        complaint, "responded", status=DEAD, attempts=9, last_error="550 no such user"
    )
    admin = staff["regional-admin"]
    page = admin.get(f"/staf/kasus/{complaint.tracking_code}").get_data(as_text=True)
    assert f"/staf/pesan/{dead_phone.id}/kirim-ulang" in page
    assert f"/staf/surel/{dead_mail.id}/kirim-ulang" in page

    for url in (
        f"/staf/pesan/{dead_phone.id}/kirim-ulang",
        f"/staf/surel/{dead_mail.id}/kirim-ulang",
    ):
        answer = post(admin, url, back="case")
        assert answer.status_code == 303
        assert answer.headers["Location"].endswith(f"/staf/kasus/{complaint.tracking_code}")
    db.session.expire_all()
    for row in (
        db.session.get(PhoneMessage, dead_phone.id),
        db.session.get(OutboxMessage, dead_mail.id),
    ):
        assert (row.status, row.attempts) == (PENDING, 0)
    after = admin.get(f"/staf/kasus/{complaint.tracking_code}").get_data(as_text=True)
    assert "Pesan dijadwalkan untuk dikirim ulang." in after or "Surel dijadwalkan" in after
    assert sum(r.endswith("Kirim ulang") for r in rows_of(after)) == 0


@pytest.mark.parametrize("role", ["unit-officer", "agency-officer", "leader"])
def test_officers_see_the_state_but_no_resend_button(staff, role):
    complaint = phone_case()
    dead = phone_row(complaint, status=DEAD, attempts=3, last_error="template_missing")
    html = staff[role].get(f"/staf/kasus/{complaint.tracking_code}").get_data(as_text=True)
    assert "gagal: template_missing" in html
    assert f"/staf/pesan/{dead.id}/kirim-ulang" not in html
    assert post(staff[role], f"/staf/pesan/{dead.id}/kirim-ulang").status_code == 403
    db.session.expire_all()
    assert db.session.get(PhoneMessage, dead.id).status == DEAD


# --- who sees the number --------------------------------------------------------------------


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonim"])
@pytest.mark.parametrize(
    "role", ["super-admin", "regional-admin", "leader", "agency-officer", "unit-officer"]
)
def test_the_reporters_number_shows_only_to_those_who_may_see_it(staff, role, anonymous):
    complaint = phone_case(anonymous=anonymous)
    # The number in the rows and in a provider's error text, the address in an SMTP error.
    phone_row(complaint, status=DEAD, attempts=2, last_error=f"{MSISDN} is not a WhatsApp user")
    phone_row(
        complaint,
        "verified",
        "sms",
        status=SENT,
        delivery_status="failed",
        delivery_error="+62 812-3456-7890 unreachable",
    )
    email_row(complaint, status=DEAD, last_error=f"550 5.1.1 <{EMAIL}>: no such user")
    client = staff[role]
    pages = [
        client.get(f"/staf/kasus/{complaint.tracking_code}"),
        client.get("/staf/antrian"),
    ]
    assert all(p.status_code == 200 for p in pages)
    html = "".join(p.get_data(as_text=True) for p in pages)
    assert complaint.tracking_code in html
    assert "Pesan ke pelapor" in html and "gagal:" in html
    if anonymous and role not in SEES_ANONYMOUS:
        for form in (*NUMBER_FORMS, EMAIL):
            assert form not in html, f"{role} sees {form!r} of an Anonim report"
        assert "62…890" in html  # the rows say which kind of number, masked
        assert "is not a WhatsApp user" in html  # the reason itself stays readable
    else:
        assert PHONE_TYPED in html and EMAIL in html and MSISDN in html


# --- the failed WhatsApp/SMS page -----------------------------------------------------------


def dead_phone(region_case, error="template_missing", medium="whatsapp", **values):
    return phone_row(
        region_case, "receipt", medium, status=DEAD, attempts=5, last_error=error, **values
    )


def hst_case():
    return stored_complaint(agency="rsud-damanhuri", unit="igd", reporter_msisdn="6281399990000")


def test_the_failed_page_lists_the_regions_dead_phone_messages(staff):
    kalsel, hst = phone_case(), hst_case()
    mine = dead_phone(kalsel, "(#132001) Template name does not exist in the translation")
    sms = dead_phone(kalsel, "gateway answered HTTP 400: invalid number", medium="sms")
    theirs = dead_phone(hst, "hst trouble")
    later = phone_row(
        kalsel,
        "verified",
        status=SENT,
        delivery_status="failed",
        delivery_error="131026 undeliverable",
    )
    phone_row(kalsel, "closed", status=SENT)  # fine: not listed

    html = staff["regional-admin"].get("/staf/pesan/gagal").get_data(as_text=True)
    assert f'id="phone-{mine.id}"' in html and f'id="phone-{sms.id}"' in html
    assert "Template name does not exist" in html and "invalid number" in html
    assert kalsel.tracking_code in html and MSISDN in html
    assert f'id="phone-{theirs.id}"' not in html and "hst trouble" not in html
    assert f'id="phone-{later.id}"' in html and "131026 undeliverable" in html
    assert f"/staf/pesan/{later.id}/kirim-ulang" not in html  # accepted then failed: no button
    assert 'href="/staf/surel/gagal"' in html  # the e-mail page is one click away, and back
    assert 'href="/staf/pesan/gagal"' in staff["regional-admin"].get("/staf/surel/gagal").get_data(
        as_text=True
    )

    everything = staff["super-admin"].get("/staf/pesan/gagal").get_data(as_text=True)
    assert f'id="phone-{mine.id}"' in everything and f'id="phone-{theirs.id}"' in everything


@pytest.mark.parametrize("role", ["leader", "agency-officer", "unit-officer"])
def test_other_roles_may_not_open_the_failed_page(staff, role):
    assert staff[role].get("/staf/pesan/gagal").status_code == 403


def test_resend_one_revives_the_same_row(staff):
    kalsel = phone_case()
    row = dead_phone(kalsel, dedupe_key="receipt:1:whatsapp", parts_sent=0)
    answer = post(staff["regional-admin"], f"/staf/pesan/{row.id}/kirim-ulang")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/staf/pesan/gagal")
    db.session.expire_all()
    again = db.session.get(PhoneMessage, row.id)
    assert (again.status, again.attempts, again.claimed_by) == (PENDING, 0, None)
    assert again.dedupe_key == "receipt:1:whatsapp" and again.last_error == "template_missing"
    assert db.session.execute(select(PhoneMessage.id)).scalars().all() == [row.id]  # no copy
    assert not revive_phone(row.id)  # not dead any more: nothing to do


def test_another_regions_row_answers_404_and_stays_dead(staff):
    theirs = dead_phone(hst_case())
    for url in (f"/staf/pesan/{theirs.id}/kirim-ulang",):
        assert post(staff["regional-admin"], url).status_code == 404
    assert post(staff["regional-admin"], "/staf/pesan/987654321/kirim-ulang").status_code == 404
    db.session.expire_all()
    assert db.session.get(PhoneMessage, theirs.id).status == DEAD
    assert post(staff["hst-admin"], f"/staf/pesan/{theirs.id}/kirim-ulang").status_code == 303


def test_bulk_resend_by_filter_stays_in_the_admins_region(staff):
    kalsel, hst = phone_case(), hst_case()
    outage = [dead_phone(kalsel, "HTTP 503 Service Unavailable") for _ in range(3)]
    other_cause = dead_phone(kalsel, "template_missing")
    theirs = dead_phone(hst, "HTTP 503 Service Unavailable")
    admin = staff["regional-admin"]

    page = admin.get("/staf/pesan/gagal?error=503").get_data(as_text=True)
    assert "3 pesan gagal cocok dengan filter ini." in page
    # A region typed into the form that the admin does not reach changes nothing.
    refused = post(admin, "/staf/pesan/kirim-ulang-semua", error="503", region="hst")
    assert refused.status_code == 303
    assert "Daerah hst tidak dikenal." in admin.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    bad_date = post(admin, "/staf/pesan/kirim-ulang-semua", since="kemarin")
    assert "kemarin bukan tanggal" in admin.get(bad_date.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert all(db.session.get(PhoneMessage, r.id).status == DEAD for r in (*outage, theirs))

    done = post(admin, "/staf/pesan/kirim-ulang-semua", error="503")
    assert done.status_code == 303 and "error=503" in done.headers["Location"]
    assert "3 pesan dijadwalkan untuk dikirim ulang." in admin.get(
        done.headers["Location"]
    ).get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(PhoneMessage, r.id).status for r in outage] == [PENDING] * 3
    assert all(db.session.get(PhoneMessage, r.id).attempts == 0 for r in outage)
    assert db.session.get(PhoneMessage, other_cause.id).status == DEAD  # not matched
    assert db.session.get(PhoneMessage, theirs.id).status == DEAD  # another region's


def test_a_bad_filter_on_the_page_says_what_is_wrong_and_lists_nothing(staff):
    dead_phone(phone_case())
    html = (
        staff["regional-admin"]
        .get("/staf/pesan/gagal?since=2026-02-10&until=2026-02-01")
        .get_data(as_text=True)
    )
    assert "Tanggal akhir lebih awal dari tanggal mulai" in html
    assert 'class="card phone-dead"' not in html


def test_a_resend_without_the_form_token_changes_nothing(staff):
    row = dead_phone(phone_case())
    admin = staff["regional-admin"]
    assert admin.post(f"/staf/pesan/{row.id}/kirim-ulang").status_code == 400
    assert admin.post("/staf/pesan/kirim-ulang-semua", data={"error": "x"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(PhoneMessage, row.id).status == DEAD

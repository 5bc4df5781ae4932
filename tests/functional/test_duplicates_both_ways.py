"""Duplicates both ways: the original knows its duplicates, and their citizens hear of it.

Reports are filed through the web form (real private links), archived as duplicates and
answered through the case page's forms; notices go out through the real outbox (e-mail as
.eml files, WhatsApp by the file connector).
"""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from html import unescape

import pytest
from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.messaging.delivery import WhatsAppChannel
from portal.messaging.models import PhoneMessage
from portal.notifications.delivery import EmailChannel
from portal.notifications.models import OutboxMessage
from portal.outbox.worker import deliver_all_due
from tests.functional.case_actions import act

ANSWER = "Mulai Senin loket pendaftaran dibuka pukul tujuh dengan dua petugas tambahan."
ORIGINAL_TITLE = "Antrean pendaftaran poli umum sangat lama"


@pytest.fixture
def outboxes(app, tmp_path):
    saved = {k: app.config[k] for k in ("MAIL_FILE_DIR", "MAIL_SERVER", "PHONE_MESSAGE_DIR")}
    app.config.update(
        MAIL_FILE_DIR=str(tmp_path / "mail"),
        MAIL_SERVER="",
        PHONE_MESSAGE_DIR=str(tmp_path / "messages"),
    )
    yield tmp_path
    app.config.update(saved)


def file_report(app, h, payload_url: str, *, english: bool = False, **fields) -> str:
    client = app.test_client()
    if english:
        client.get("/bahasa/en")
    code, _token = h.receipt(h.post_report(client, payload_url, **fields))
    return code


def case(code: str) -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()


def archive_as_duplicate(staff, code: str, original: str) -> None:
    response = act(staff["admin"], code, "reject_duplicate", duplicate_of=original)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    assert case(code).duplicate_of_id == case(original).id


def respond(staff, code: str) -> None:
    assert act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum").status_code < 400
    assert act(staff["unit"], code, "respond", text=ANSWER).status_code < 400
    assert case(code).status == "responded"


def mails_to(folder, address: str) -> list:
    found = []
    for path in sorted((folder / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        if message["To"] == address:
            found.append(message)
    return found


def deliver() -> None:
    now = datetime.now(UTC) + timedelta(seconds=1)
    deliver_all_due(EmailChannel(), now=now)
    deliver_all_due(WhatsAppChannel(), now=now)


def notices_of(code: str) -> tuple[list[OutboxMessage], list[PhoneMessage]]:
    db.session.expire_all()
    complaint_id = case(code).id
    mails = db.session.execute(
        select(OutboxMessage).filter_by(complaint_id=complaint_id, template="duplicate_progress")
    ).scalars()
    phones = db.session.execute(
        select(PhoneMessage).filter_by(complaint_id=complaint_id, kind="duplicate_progress")
    ).scalars()
    return list(mails), list(phones)


@pytest.fixture
def family(app, h, ulin_payload):
    """An original at RSUD Ulin – Poli Umum and three reports of the same thing: one by
    e-mail, one in English by WhatsApp only, one Anonim without any contact."""
    url = f"/q/{ulin_payload}"

    def make(confidential: bool = False) -> dict[str, str]:
        return {
            "original": file_report(
                app, h, url, title=ORIGINAL_TITLE, confidential="y" if confidential else None
            ),
            "by_mail": file_report(app, h, url, reporter_email="dua@example.org"),
            "by_whatsapp": file_report(
                app,
                h,
                url,
                english=True,
                reporter_email=None,
                reporter_phone="0812 9999 0000",
                notify_via="whatsapp",
            ),
            "silent": file_report(
                app,
                h,
                url,
                anonymous="y",
                reporter_name=None,
                reporter_phone=None,
                reporter_email=None,
            ),
        }

    return make


def test_the_original_lists_and_counts_its_duplicates(app, staff, family):
    codes = family()
    for name in ("by_mail", "by_whatsapp", "silent"):
        archive_as_duplicate(staff, codes[name], codes["original"])
    page = unescape(staff["admin"].get(f"/staf/kasus/{codes['original']}").get_data(as_text=True))
    assert "3 laporan serupa" in page
    listed = re.search(r'id="duplicate-copies">(.*?)</div>', page, re.S).group(1)
    assert all(codes[n] in listed for n in ("by_mail", "by_whatsapp", "silent"))
    queue = unescape(staff["admin"].get("/staf/antrian").get_data(as_text=True))
    row = re.search(rf"{codes['original']}</a></td>(.*?)</tr>", queue, re.S).group(1)
    assert "3 laporan serupa" in row
    # A duplicate itself carries no count.
    dup_page = staff["admin"].get(f"/staf/kasus/{codes['by_mail']}").get_data(as_text=True)
    assert "laporan serupa" not in dup_page and codes["original"] in dup_page


def test_the_leaders_overdue_list_shows_the_count(app, staff, family):
    codes = family()
    archive_as_duplicate(staff, codes["by_mail"], codes["original"])
    original = case(codes["original"])
    original.due_key = original.verify_due = datetime.now(UTC).date() - timedelta(days=30)
    original.sla_state = "overdue"
    db.session.commit()
    page = unescape(staff["leader"].get("/staf/dasbor").get_data(as_text=True))
    overdue = re.search(r'id="terlambat">(.*?)</table>', page, re.S).group(1)
    assert codes["original"] in overdue and "1 laporan serupa" in overdue


def test_a_duplicate_outside_the_viewers_scope_is_neither_listed_nor_counted(
    app, staff, family, h, qr_keys
):
    from qr.payload import ServiceRef, encode

    codes = family()
    respond(staff, codes["original"])  # disposed to Poli Umum, where the unit officer works
    archive_as_duplicate(staff, codes["by_mail"], codes["original"])
    igd_payload = encode(ServiceRef("rsud-ulin", "igd", "pendaftaran-igd"), qr_keys)
    igd = file_report(app, h, f"/q/{igd_payload}")
    archive_as_duplicate(staff, igd, codes["original"])

    admin = unescape(staff["admin"].get(f"/staf/kasus/{codes['original']}").get_data(as_text=True))
    assert "2 laporan serupa" in admin and igd in admin
    unit = unescape(staff["unit"].get(f"/staf/kasus/{codes['original']}").get_data(as_text=True))
    assert "1 laporan serupa" in unit and igd not in unit and codes["by_mail"] in unit
    queue = unescape(staff["unit"].get("/staf/antrian?status=responded").get_data(as_text=True))
    assert "1 laporan serupa" in queue and "2 laporan serupa" not in queue


def test_a_response_on_the_original_reaches_each_duplicates_citizen(app, staff, family, outboxes):
    codes = family()
    for name in ("by_mail", "by_whatsapp", "silent"):
        archive_as_duplicate(staff, codes[name], codes["original"])
    respond(staff, codes["original"])
    deliver()

    (mail,) = [m for m in mails_to(outboxes, "dua@example.org") if "Perkembangan" in m["Subject"]]
    assert codes["by_mail"] in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert ANSWER in text and codes["original"] in text
    assert re.search(rf"http://localhost/lacak/{codes['by_mail']}\?t=\S+", text)  # its own link
    (whatsapp,) = [
        p
        for p in (outboxes / "messages" / "whatsapp").glob("*.txt")
        if "duplicate_progress" in p.name
    ]
    wa = whatsapp.read_text()
    assert "To: +6281299990000" in wa and ANSWER in wa and codes["original"] in wa
    assert "the same as yours" in wa  # that citizen's language
    assert codes["by_whatsapp"] in wa
    assert notices_of(codes["silent"]) == ([], [])  # Anonim without contact: nothing
    # The duplicate's public tracking page follows the original's status.
    public = unescape(app.test_client().get(f"/lacak/{codes['by_mail']}").get_data(as_text=True))
    assert 'id="original-status"' in public and "Sudah ditanggapi" in public


def test_a_rahasia_original_is_never_named_to_its_duplicates(app, staff, family, outboxes):
    codes = family(confidential=True)
    for name in ("by_mail", "by_whatsapp"):
        archive_as_duplicate(staff, codes[name], codes["original"])
    respond(staff, codes["original"])
    deliver()

    (mail,) = [m for m in mails_to(outboxes, "dua@example.org") if "Perkembangan" in m["Subject"]]
    assert "Rahasia" in mail.get_body(("plain",)).get_content()
    (whatsapp,) = [
        p
        for p in (outboxes / "messages" / "whatsapp").glob("*.txt")
        if "duplicate_progress" in p.name
    ]
    for text in (mail.as_string(), whatsapp.read_text()):
        assert codes["original"] not in text
        assert ANSWER not in text and ORIGINAL_TITLE not in text
    (mail_row,), _none = notices_of(codes["by_mail"])
    _none, (phone_row,) = notices_of(codes["by_whatsapp"])
    for kept in (mail_row.context_json, phone_row.context_json):  # not even in the outbox
        assert codes["original"] not in kept and ANSWER not in kept
    public = app.test_client().get(f"/lacak/{codes['by_mail']}").get_data(as_text=True)
    assert codes["original"] not in public and 'id="original-status"' not in public


def test_other_events_on_the_original_tell_the_duplicates_nothing(app, staff, family):
    codes = family()
    archive_as_duplicate(staff, codes["by_mail"], codes["original"])
    act(staff["admin"], codes["original"], "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], codes["original"], "note", text="Catatan internal saja.")
    assert notices_of(codes["by_mail"]) == ([], [])

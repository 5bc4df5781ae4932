"""WhatsApp and SMS out: the citizen who chose a phone hears every step of their case,
through real HTTP peers on sockets (tests/chat_peers.py), with the outbox's rules:
the 24-hour window, refusals given up with their reason, outages retried with nothing
lost, long SMS split and resumed, Rahasia reports never quoted, one number's order."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.chat.models import ChatConversation
from portal.extensions import db
from portal.messaging.delivery import SmsChannel, WhatsAppChannel
from portal.messaging.failed import revive_phone as resend
from portal.messaging.models import PhoneMessage
from portal.messaging.outbox import add_phone_message
from portal.notifications.models import OutboxMessage
from portal.outbox.worker import deliver_all_due
from qr.payload import ServiceRef, encode
from tests.chat_peers import PHONE_NUMBER_ID, TOKEN, CloudApi, SmsGateway
from tests.functional.case_actions import act, citizen

NUMBER = "6281234567890"  # the helpers' "0812 3456 7890"
OTHER = "6281299990000"
QUESTION = "Jam berapa Anda datang ke loket?"
ANSWER = "Kami menambah dua petugas loket mulai Senin depan."
LINK = re.compile(r"http://localhost/lacak/([A-Z]{2,4}-[A-Z0-9]{6})\?t=([A-Za-z0-9_-]+)")


@pytest.fixture
def cloud(app):
    server = CloudApi().start()
    saved = {k: app.config[k] for k in ("WHATSAPP_API_URL", "WHATSAPP_TOKEN")}
    saved["WHATSAPP_PHONE_NUMBER_ID"] = app.config["WHATSAPP_PHONE_NUMBER_ID"]
    app.config.update(
        WHATSAPP_API_URL=server.url, WHATSAPP_TOKEN=TOKEN, WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID
    )
    yield server
    server.stop()
    app.config.update(saved)


@pytest.fixture
def gateway(app):
    server = SmsGateway().start()
    saved = {k: app.config[k] for k in ("SMS_GATEWAY_URL", "SMS_GATEWAY_BODY")}
    app.config.update(SMS_GATEWAY_URL=server.get_template, SMS_GATEWAY_BODY="")
    yield server
    server.stop()
    app.config.update(saved)


@pytest.fixture
def message_dir(app, tmp_path):
    saved = app.config["PHONE_MESSAGE_DIR"]
    app.config["PHONE_MESSAGE_DIR"] = str(tmp_path / "messages")
    yield tmp_path / "messages"
    app.config["PHONE_MESSAGE_DIR"] = saved


def phone_rows(**where) -> list[PhoneMessage]:
    db.session.expire_all()
    stmt = select(PhoneMessage).filter_by(**where).order_by(PhoneMessage.id)
    return list(db.session.execute(stmt).scalars())


def deliver(now: datetime | None = None) -> None:
    """What `phone send --once` does: every due WhatsApp and SMS message, batch by batch."""
    for channel in (WhatsAppChannel(), SmsChannel()):
        deliver_all_due(channel, now=now or datetime.now(UTC))


def later(hours: float = 2) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def wrote_us(number: str, ago: timedelta) -> None:
    """The citizen's last WhatsApp message to the portal was `ago` ago."""
    db.session.add(
        ChatConversation(medium="whatsapp", msisdn=number, last_inbound_at=datetime.now(UTC) - ago)
    )
    db.session.commit()


def file_phone_report(h, client, payload, notify_via="whatsapp", **fields):
    """A web-form report by a citizen who left only a phone number."""
    defaults = dict(reporter_email=None, notify_via=notify_via)
    return h.receipt(h.post_report(client, f"/q/{payload}", **{**defaults, **fields}))


def walk_the_case(staff, client, code, token):
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["unit"], code, "hold", text=QUESTION)
    citizen(client, code, token, "jawab", text="Pukul 08.00")
    act(staff["unit"], code, "respond", text=ANSWER)
    act(staff["admin"], code, "close")


# --- the citizen who chose WhatsApp ----------------------------------------------------------


def test_the_web_citizen_who_chose_whatsapp_hears_every_step(
    app, staff, client, h, ulin_payload, cloud
):
    wrote_us(NUMBER, timedelta(hours=1))  # inside the 24-hour window: free-form text
    code, token = file_phone_report(h, client, ulin_payload)
    walk_the_case(staff, client, code, token)
    deliver()

    kinds = [r.kind for r in phone_rows()]
    assert kinds == ["receipt", "verified", "on_hold", "responded", "closed"]
    assert all(r.status == "sent" and r.connector == "cloud-api" for r in phone_rows())
    assert all(r.remote_ref and r.remote_ref.startswith("wamid.") for r in phone_rows())
    assert {r.recipient for r in phone_rows()} == {NUMBER}  # staff: never by a number
    messages = cloud.to(NUMBER)
    assert [m.type for m in messages] == ["text"] * 5
    assert [r.remote_ref for r in phone_rows()] == [m.wamid for m in messages]
    for message in messages:
        assert code in message.text and f"/lacak/{code}?t={token}" in message.text
    receipt, verified, on_hold, responded, closed = (m.text for m in messages)
    assert "sudah masuk antrean" in receipt and "diverifikasi" in verified
    assert QUESTION in on_hold and "Balas pesan ini untuk menjawab" in on_hold
    assert ANSWER in responded and "1-5" in responded and "Balas dengan teks" in responded
    assert "ditutup" in closed
    # the link in the message opens the case
    found = LINK.search(on_hold)
    page = client.get(f"/lacak/{found.group(1)}?t={found.group(2)}")
    assert page.status_code == 200 and "Antrean pendaftaran sangat lama" in page.get_data(True)
    # no e-mail to the citizen (none was given); staff still hear by e-mail
    staff_mail = db.session.execute(select(OutboxMessage.recipient)).scalars().all()
    assert staff_mail and all(r.endswith("example.org") for r in staff_mail)


def test_an_email_citizen_is_still_told_by_email(app, client, h, ulin_payload, cloud):
    h.receipt(h.post_report(client, f"/q/{ulin_payload}"))  # phone and e-mail, no choice
    assert phone_rows() == []
    assert db.session.execute(
        select(OutboxMessage).filter_by(recipient="siti@example.org", template="receipt")
    ).scalar_one()


def test_outside_the_window_the_approved_template_goes(app, client, h, ulin_payload, cloud):
    wrote_us(NUMBER, timedelta(hours=23, minutes=45))  # inside 24 h, but past the margin
    code, token = file_phone_report(h, client, ulin_payload)
    deliver()
    (message,) = cloud.to(NUMBER)
    assert message.type == "template"
    template = message.document["template"]
    assert template["name"] == app.config["WHATSAPP_TEMPLATE"]
    assert template["language"]["code"] == "id"
    params = [p["text"] for p in template["components"][0]["parameters"]]
    assert params[0] == code and "sudah masuk antrean" in params[1]
    assert params[2] == f"http://localhost/lacak/{code}?t={token}"
    assert all("\n" not in p for p in params)  # the Cloud API refuses newlines in parameters
    assert phone_rows()[0].status == "sent"


def test_the_window_closing_early_falls_back_to_the_template(app, client, h, ulin_payload, cloud):
    wrote_us(NUMBER, timedelta(hours=1))
    cloud.script = ["outside_window"]  # the provider says the window is shut after all
    file_phone_report(h, client, ulin_payload)
    deliver()
    assert [m.type for m in cloud.to(NUMBER)] == ["template"]
    assert phone_rows()[0].status == "sent"


def test_a_refused_template_is_dead_with_the_reason_and_nothing_else_is_lost(
    app, staff, client, h, ulin_payload, cloud
):
    code, _ = file_phone_report(h, client, ulin_payload)
    add_phone_message("whatsapp", OTHER, "chat", body="Halo, ada yang bisa dibantu?")
    db.session.commit()
    cloud.script = ["template_missing"]
    deliver()
    receipt, other = phone_rows()
    assert receipt.status == "dead" and "132001" in receipt.last_error
    assert "Template name does not exist" in receipt.last_error
    assert other.status == "sent"  # another citizen's message went out in the same batch
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    deliver()  # the dead receipt does not hold the same number's later notices back
    assert [r.status for r in phone_rows(recipient=NUMBER)] == ["dead", "sent"]
    assert resend(receipt.id)
    deliver()
    assert [r.status for r in phone_rows(recipient=NUMBER)] == ["sent", "sent"]


def test_a_message_sent_again_reports_its_own_delivery(app, cloud):
    """The provider said the first try never arrived; after a re-send its delivery report
    is the new one's, not the old "failed" that would otherwise outrank "delivered"."""
    from portal.messaging.receipts import record_status

    wrote_us(NUMBER, timedelta(hours=1))
    add_phone_message("whatsapp", NUMBER, "chat", body="Halo, ada yang bisa dibantu?")
    db.session.commit()
    deliver()
    (row,) = phone_rows()
    first = row.remote_ref
    record_status("whatsapp", first, "failed", "131026 Message undeliverable")
    db.session.execute(
        PhoneMessage.__table__.update().where(PhoneMessage.id == row.id).values(status="dead")
    )
    db.session.commit()
    assert resend(row.id)
    deliver()
    (row,) = phone_rows()
    assert row.status == "sent" and row.remote_ref != first and row.delivery_status is None
    assert record_status("whatsapp", row.remote_ref, "delivered") == 1
    db.session.commit()
    assert phone_rows()[0].delivery_status == "delivered"
    assert record_status("whatsapp", first, "read") == 0  # the old try's late report: no row


@pytest.mark.parametrize("failure", ["drop", "server_error", "rate_limited", "bad_token"])
def test_trouble_at_the_provider_is_retried_and_nothing_is_lost(
    app, client, h, ulin_payload, cloud, failure, caplog
):
    file_phone_report(h, client, ulin_payload)
    for number in (OTHER, "6281288887777"):
        add_phone_message("whatsapp", number, "chat", body="Pesan uji")
    db.session.commit()
    cloud.script = [failure]
    deliver()
    first, *rest = phone_rows()
    assert first.status == "pending" and first.attempts == 1 and first.last_error
    if failure in ("drop", "rate_limited", "bad_token"):  # the rest would fare the same
        assert all(r.status == "pending" and r.attempts == 0 for r in rest)
        assert all(r.last_error.startswith("not tried") for r in rest)
    if failure == "bad_token":
        assert "WHATSAPP_TOKEN" in caplog.text
    deliver(later())
    assert [r.status for r in phone_rows()] == ["sent"] * 3
    assert len(cloud.sent) == 3


def test_a_provider_that_is_down_gets_everything_once_it_is_back(app, client, h, ulin_payload):
    down = CloudApi().start()
    url = down.url
    down.stop()  # nothing listens there now
    saved = {k: app.config[k] for k in ("WHATSAPP_API_URL", "WHATSAPP_TOKEN")}
    app.config.update(WHATSAPP_API_URL=url, WHATSAPP_TOKEN=TOKEN)
    app.config["WHATSAPP_PHONE_NUMBER_ID"] = PHONE_NUMBER_ID
    back = CloudApi()
    try:
        file_phone_report(h, client, ulin_payload)
        add_phone_message("whatsapp", OTHER, "chat", body="Pesan uji")
        db.session.commit()
        deliver()
        assert [r.status for r in phone_rows()] == ["pending", "pending"]
        assert "unreachable" in phone_rows()[0].last_error
        back.start()
        app.config["WHATSAPP_API_URL"] = back.url
        deliver(later())
        assert [r.status for r in phone_rows()] == ["sent", "sent"]
        assert {s.to for s in back.sent} == {NUMBER, OTHER}
    finally:
        back.stop()
        app.config.update(saved)


def test_one_numbers_messages_arrive_in_order(app, cloud):
    wrote_us(NUMBER, timedelta(minutes=5))
    for text in ("pertama", "kedua", "ketiga"):
        add_phone_message("whatsapp", NUMBER, "chat", body=text)
    add_phone_message("whatsapp", OTHER, "chat", body="lain")
    db.session.commit()
    cloud.script = ["server_error"]  # NUMBER's first fails once; OTHER's goes
    deliver()
    by_number = phone_rows(recipient=NUMBER)
    assert [r.status for r in by_number] == ["pending", "pending", "pending"]
    assert [r.attempts for r in by_number] == [1, 0, 0]  # the later ones were not even claimed
    deliver(later())
    assert [m.text for m in cloud.to(NUMBER)] == ["pertama", "kedua", "ketiga"]


def test_chat_answers_become_buttons_or_a_list_inside_the_window(app, cloud):
    wrote_us(NUMBER, timedelta(minutes=5))
    add_phone_message(
        "whatsapp", NUMBER, "chat", body="Anonim?", choices=[("ya", "Ya"), ("tidak", "Tidak")]
    )
    many = [(f"k{i}", f"Kategori yang sangat panjang sekali nomor {i}") for i in range(12)]
    add_phone_message("whatsapp", NUMBER, "chat", body="Pilih kategori (1-12)", choices=many)
    add_phone_message("whatsapp", OTHER, "chat", body="Lanjutkan?", choices=[("y", "Ya")])
    db.session.commit()
    deliver()
    buttons, listing = cloud.to(NUMBER)
    action = buttons.document["interactive"]["action"]
    assert buttons.document["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in action["buttons"]] == ["ya", "tidak"]
    rows = listing.document["interactive"]["action"]["sections"][0]["rows"]
    assert listing.document["interactive"]["type"] == "list" and len(rows) == 10
    assert all(len(r["title"]) <= 24 for r in rows)
    (outside,) = cloud.to(OTHER)  # this citizen never wrote: the template carries it
    assert outside.type == "template" and "Lanjutkan?" in outside.text


# --- SMS ------------------------------------------------------------------------------------


def test_sms_through_a_get_gateway(app, client, h, ulin_payload, gateway):
    code, token = file_phone_report(h, client, ulin_payload, notify_via="sms")
    deliver()
    received = gateway.to(NUMBER)
    assert received and all(r.method == "GET" and r.params["user"] == "uji" for r in received)
    text = " ".join(r.text.split(") ", 1)[-1] for r in received)
    assert code in text and f"/lacak/{code}?t={token}" in text
    (row,) = phone_rows()
    assert row.status == "sent" and row.connector == "gateway" and row.remote_ref == "SMS000001"
    assert row.parts_sent == len(received)


def test_sms_through_a_post_gateway_with_a_token(app, client, h, ulin_payload, gateway):
    app.config.update(SMS_GATEWAY_URL=gateway.post_url, SMS_GATEWAY_BODY="to={to}&text={text}&u=x")
    code, _ = file_phone_report(h, client, ulin_payload, notify_via="sms")
    deliver()
    received = gateway.to(NUMBER)
    assert received and all(r.method == "POST" and r.params["u"] == "x" for r in received)
    assert code in " ".join(r.text for r in received)


def test_a_long_sms_resumes_after_a_failure_without_repeating_parts(
    app, staff, client, h, ulin_payload, gateway
):
    code, _ = file_phone_report(h, client, ulin_payload, notify_via="sms")
    deliver()
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    deliver()
    long_answer = " ".join(["Petugas sudah memeriksa antrean di loket pendaftaran."] * 5)
    act(staff["unit"], code, "respond", text=long_answer)
    gateway.received.clear()
    gateway.script = [200, 500]  # the response fails at part 2
    deliver()
    responded = phone_rows()[2]
    assert responded.status == "pending" and responded.parts_sent == 1
    assert "part 2/" in responded.last_error
    assert responded.remote_ref  # part 1's gateway id, kept with the progress
    deliver(later())
    parts = [r.text for r in gateway.received]
    total = int(re.match(r"\(1/(\d+)\) ", parts[0]).group(1))
    assert total >= 3 and [p.split(") ", 1)[0] + ")" for p in parts] == [
        f"({i}/{total})" for i in range(1, total + 1)
    ]  # each part once, in order: part 1 was not sent again
    row = phone_rows()[2]
    assert row.status == "sent" and row.parts_sent == total
    assert "Beri nilai dengan membalas angka 1-5" in " ".join(parts)


def test_a_gateway_refusal_is_dead_with_its_reason(app, client, h, ulin_payload, gateway):
    gateway.script = [400]
    file_phone_report(h, client, ulin_payload, notify_via="sms")
    deliver()
    (row,) = phone_rows()
    assert row.status == "dead" and "HTTP 400" in row.last_error and "gagal 400" in row.last_error


def test_a_gateway_that_is_down_holds_the_batch_and_loses_nothing(
    app, client, h, ulin_payload, gateway
):
    gateway.script = ["drop"]
    file_phone_report(h, client, ulin_payload, notify_via="sms")
    add_phone_message("sms", OTHER, "chat", body="Balas YA untuk lanjut")
    db.session.commit()
    deliver()
    assert [r.status for r in phone_rows()] == ["pending", "pending"]
    assert phone_rows()[1].attempts == 0
    deliver(later())
    assert [r.status for r in phone_rows()] == ["sent", "sent"]
    assert [r.text for r in gateway.to(OTHER)] == ["Balas YA untuk lanjut"]


# --- privacy, the demo ------------------------------------------------------------------------


def test_a_rahasia_case_is_never_quoted_in_a_phone_message(
    app, staff, client, h, ulin_payload, cloud, gateway
):
    title = "Pungutan liar di loket pendaftaran"
    description = "Petugas meminta uang lima puluh ribu rupiah tanpa kuitansi."
    wrote_us(NUMBER, timedelta(hours=1))
    code, token = file_phone_report(
        h, client, ulin_payload, confidential="y", title=title, description=description
    )
    walk_the_case(staff, client, code, token)
    deliver()
    h.receipt(
        h.post_report(
            client,
            f"/q/{ulin_payload}",
            reporter_email=None,
            notify_via="sms",
            reporter_phone="0812 9999 0000",
            confidential="y",
            title=title,
            description=description,
        )
    )
    deliver()
    texts = [m.text for m in cloud.to(NUMBER)] + [r.text for r in gateway.to(OTHER)]
    assert len(texts) >= 6
    stored = [r.context_json + (r.body or "") for r in phone_rows()]
    for text in texts + stored:
        assert "Pungutan" not in text and "lima puluh ribu" not in text
    assert QUESTION in texts[2] and ANSWER in texts[3]  # the staff's words still reach them


def test_the_demo_writes_phone_messages_as_files(app, client, h, ulin_payload, message_dir):
    assert not app.config["WHATSAPP_TOKEN"] and not app.config["SMS_GATEWAY_URL"]
    code, token = file_phone_report(h, client, ulin_payload)
    file_phone_report(h, client, ulin_payload, notify_via="sms", reporter_phone="0812 9999 0000")
    deliver()
    (wa_file,) = (message_dir / "whatsapp").glob("*.txt")
    (sms_file,) = (message_dir / "sms").glob("*.txt")
    text = wa_file.read_text()
    assert "To: +6281234567890" in text and code in text and f"?t={token}" in text
    assert "Kind: receipt" in sms_file.read_text()
    assert not list(message_dir.rglob("*.part"))  # written whole, then renamed
    assert {r.connector for r in phone_rows()} == {"file"}
    assert phone_rows()[0].remote_ref == wa_file.name


# --- the web form ----------------------------------------------------------------------------


def _form(client, payload) -> str:
    return client.get(f"/q/{payload}").get_data(as_text=True)


def test_the_form_offers_whatsapp_and_sms_only_where_the_region_has_them(
    app, client, qr_keys, ulin_payload
):
    kalsel = _form(client, ulin_payload)
    assert 'name="notify_via" value="whatsapp"' in kalsel
    assert 'name="notify_via" value="sms"' in kalsel
    assert 'name="notify_via" value="" checked' in kalsel  # automatic unless they choose
    hst = encode(ServiceRef("rsud-damanhuri", "igd", "pendaftaran-igd"), qr_keys)
    assert 'name="notify_via"' not in _form(client, hst)


def _stored_choice(code: str) -> str | None:
    from portal.complaints.models import Complaint

    db.session.expire_all()
    return db.session.execute(
        select(Complaint.notify_via).filter_by(tracking_code=code)
    ).scalar_one()


def test_the_default_follows_what_the_citizen_filled_in(app, client, h, ulin_payload, qr_keys):
    with_email, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    phone_only, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}", reporter_email=None))
    chose_sms, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}", notify_via="sms"))
    assert _stored_choice(with_email) == "email"
    assert _stored_choice(phone_only) == "whatsapp"
    assert _stored_choice(chose_sms) == "sms"
    hst = encode(ServiceRef("rsud-damanhuri", "igd", "pendaftaran-igd"), qr_keys)
    nothing, _ = h.receipt(h.post_report(client, f"/q/{hst}", reporter_email=None))
    assert _stored_choice(nothing) is None  # no medium there reaches a phone
    # receipts: phone_only's by WhatsApp, chose_sms's by SMS; none in HST
    assert [(r.region_id, r.medium) for r in phone_rows()] == [
        ("kalsel", "whatsapp"),
        ("kalsel", "sms"),
    ]


def test_a_medium_the_region_has_off_or_without_its_address_is_refused(
    app, client, h, ulin_payload, qr_keys
):
    hst = encode(ServiceRef("rsud-damanhuri", "igd", "pendaftaran-igd"), qr_keys)
    forged = h.post_report(client, f"/q/{hst}", notify_via="whatsapp")
    assert forged.status_code == 400
    url = f"/q/{ulin_payload}"
    no_address = h.post_report(client, url, reporter_email=None, notify_via="email")
    assert no_address.status_code == 400
    assert "Isi alamat e-mail untuk diberi tahu lewat e-mail." in no_address.get_data(True)
    no_phone = h.post_report(client, f"/q/{ulin_payload}", reporter_phone=None, notify_via="sms")
    assert no_phone.status_code == 400
    assert "Isi nomor HP untuk diberi tahu lewat WhatsApp atau SMS." in no_phone.get_data(True)


def test_the_context_row_never_holds_the_link_secret(app, client, h, ulin_payload):
    code, token = file_phone_report(h, client, ulin_payload)
    (row,) = phone_rows()
    assert token not in row.context_json and json.loads(row.context_json)["tracking_code"] == code

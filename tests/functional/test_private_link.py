"""Keeping the private link: the PIN beside the tracking code, the QR code, "send this link
to me", the note of what the receipt went to, and the citizen's own photos."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import select

from portal.complaints.access import access_token_for
from portal.complaints.models import Complaint, Photo
from portal.complaints.pins import grouped, pin_for
from portal.extensions import db
from portal.messaging.delivery import SmsChannel
from portal.messaging.models import PhoneMessage
from portal.messaging.texts import render_phone
from portal.notifications.delivery import EmailChannel
from portal.notifications.models import OutboxMessage
from portal.notifications.render import render_row
from portal.outbox.worker import deliver_all_due
from tests.factories import stored_complaint

PIN_ON_PAGE = re.compile(r'id="private-pin">([A-Z0-9]{3}-[A-Z0-9]{3})<')
WRONG = "Kode pelacakan atau PIN tidak cocok"


def pin_of(code: str) -> str:
    complaint = db.session.execute(
        select(Complaint).where(Complaint.tracking_code == code)
    ).scalar_one()
    return grouped(pin_for(current_app.config["SECRET_KEY"], complaint.submission_digest))


def csrf_of(client, url: str = "/lacak") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def open_with(client, code: str, pin: str, csrf: str | None = None):
    data = {"csrf_token": csrf or csrf_of(client), "kode_laporan": code, "pin": pin}
    return client.post("/lacak/buka", data=data)


def token_of(complaint: Complaint) -> str:
    return access_token_for(current_app.config["SECRET_KEY"], complaint.submission_digest)


# --- the private page -----------------------------------------------------------------------


def test_the_private_page_offers_pin_qr_copy_and_send(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    page = client.get(f"/lacak/{code}?t={token}").get_data(as_text=True)
    assert PIN_ON_PAGE.search(page).group(1) == pin_of(code)
    assert re.search(r'<script src="/static/private-link\.js\?v=\w+" defer></script>', page)
    assert re.search(r'<button type="button"[^>]*id="copy-link"[^>]*hidden>', page)
    qr = re.search(r"<svg [^>]*class=\"qr\".*?</svg>", page, re.S).group(0)
    assert " style=" not in qr and "data:" not in qr
    assert 'aria-label="Kode QR tautan pribadi"' in qr
    assert 'id="form-send-link"' in page and f'name="t" value="{token}"' in page
    # Kalimantan Selatan sends WhatsApp and SMS: the form offers them beside e-mail.
    assert 'id="via-whatsapp"' in page and 'id="via-sms"' in page


def test_the_public_page_has_none_of_it(client, h, ulin_payload):
    code, _token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    page = client.get(f"/lacak/{code}").get_data(as_text=True)
    for absent in ("private-pin", "private-link.js", "form-send-link", 'class="qr"', pin_of(code)):
        assert absent not in page


def test_a_region_without_phone_channels_offers_e_mail_only(client, app):
    case = stored_complaint(agency="rsud-damanhuri", unit="igd")
    page = client.get(f"/lacak/{case.tracking_code}?t={token_of(case)}").get_data(as_text=True)
    assert 'id="form-send-link"' in page
    assert 'id="via-whatsapp"' not in page and 'name="via" value="email"' in page


def test_the_receipt_page_says_where_the_receipt_went(client, h, ulin_payload):
    response = h.post_report(
        client, f"/q/{ulin_payload}", reporter_email="budi.santoso@example.org"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    note = page.split('id="receipt-note"', 1)[1].split("</div>", 1)[0]
    assert "lewat e-mail ke b***@example.org" in note
    assert "budi.santoso" not in page
    assert 'id="only-way-back"' not in note


def test_without_any_receipt_the_page_says_this_link_is_the_only_way_back(client, h, ulin_payload):
    response = h.post_report(
        client,
        f"/q/{ulin_payload}",
        anonymous="y",
        reporter_name=None,
        reporter_phone=None,
        reporter_email=None,
    )
    assert (
        db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.template == "receipt"))
        is None
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="only-way-back"' in page
    assert "satu-satunya jalan kembali" in page


# --- code + PIN on /lacak -------------------------------------------------------------------


def test_code_and_pin_open_the_private_link(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    pin = pin_of(code)
    for typed_code, typed_pin in (
        (code, pin),
        (code.lower().replace("-", " "), pin.lower().replace("-", "")),
        (f" {code} ", f" {pin[:3]} {pin[4:]} "),
    ):
        response = open_with(client, typed_code, typed_pin)
        assert response.status_code == 303, (typed_code, typed_pin)
        assert response.headers["Location"].endswith(f"/lacak/{code}?t={token}")
    assert client.get(response.headers["Location"]).status_code == 200


def test_every_wrong_pair_gets_the_same_answer(client, h, ulin_payload):
    code, _t = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    secret_code, _t = h.receipt(
        h.post_report(
            client, f"/q/{ulin_payload}", confidential="y", title="Pungutan di loket pendaftaran"
        )
    )
    pin = pin_of(code)
    wrong_pin = "".join("3" if c != "3" else "4" for c in pin)
    answers = []
    for typed_code, typed_pin in (
        (code, wrong_pin),
        (secret_code, pin),  # another case's PIN, on a Rahasia report
        ("KSL-AAAAAA", pin),  # no such case
        ("bukan kode", pin),
        (code, ""),
        (code, "0O1-IL5"),
        ("", ""),
    ):
        response = open_with(client, typed_code, typed_pin)
        body = response.get_data(as_text=True)
        assert WRONG in body, (typed_code, typed_pin)
        answers.append((response.status_code, body.count("alert")))
    assert set(answers) == {(404, answers[0][1])}


def test_a_rahasia_report_opens_with_its_own_pin(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}", confidential="y"))
    assert client.get(f"/lacak/{code}").status_code == 404
    response = open_with(client, code, pin_of(code))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"t={token}")


def test_pin_tries_are_limited_per_tracking_code_whatever_the_address(limited, h, ulin_payload):
    app = limited(RATELIMIT_PIN_PER_CODE="3 per hour")
    client = app.test_client()
    code, _token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    csrf = csrf_of(client)
    assert [open_with(client, code, "AAA-AAA", csrf).status_code for _ in range(3)] == [404] * 3
    refused = open_with(client, code, pin_of(code), csrf)  # even the right PIN, now
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan" in refused.get_data(as_text=True)
    # A guesser with another address (a botnet) counts under the same code.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    assert open_with(elsewhere, code, pin_of(code)).status_code == 429
    # Another code is its own count (and a code that does not exist is refused alike).
    assert open_with(elsewhere, "KSL-AAAAAA", "AAA-AAA").status_code == 404


def test_pin_tries_are_limited_per_address_too(limited, h, ulin_payload):
    app = limited(RATELIMIT_PIN_PER_ADDRESS="2 per minute")
    client = app.test_client()
    csrf = csrf_of(client)
    answers = [open_with(client, f"KSL-AAAAA{c}", "AAA-AAA", csrf).status_code for c in "BCD"]
    assert answers == [404, 404, 429]


# --- "Kirim tautan ini ke saya" -------------------------------------------------------------


def send(client, code: str, token: str, via: str, to: str):
    csrf = csrf_of(client)  # the session's token: the private page carries the same
    data = {"csrf_token": csrf, "t": token, "via": via, "to": to}
    return client.post(f"/lacak/{code}/kirim-tautan", data=data)


def test_sending_the_link_by_e_mail_queues_a_row_without_its_secret(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    response = send(client, code, token, "email", " Budi@Example.org ")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tautan dikirim ke B***@example.org" in page
    row = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.template == "private_link")
    ).scalar_one()
    assert row.recipient == "Budi@example.org"
    assert token not in row.context_json and pin_of(code) not in row.context_json
    assert json.loads(row.context_json) == {"tracking_code": code}
    rendered = render_row(row)
    link = f"{current_app.config['PUBLIC_BASE_URL']}/lacak/{code}?t={token}"
    for text in (rendered.text, rendered.html):
        assert link in text and pin_of(code) in text


def test_sending_the_link_by_whatsapp_or_sms_where_the_region_has_them(client, h, ulin_payload):
    code, token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", reporter_email="a@example.org")
    )
    assert send(client, code, token, "whatsapp", "0812-1111-2222").status_code == 303
    assert send(client, code, token, "sms", "+62 813 3333 4444").status_code == 303
    rows = (
        db.session.execute(
            select(PhoneMessage)
            .where(PhoneMessage.kind == "private_link")
            .order_by(PhoneMessage.id)
        )
        .scalars()
        .all()
    )
    assert [(r.medium, r.recipient) for r in rows] == [
        ("whatsapp", "6281211112222"),
        ("sms", "6281333334444"),
    ]
    for row in rows:
        assert token not in row.context_json and pin_of(code) not in row.context_json
        text = render_phone(row)
        assert f"/lacak/{code}?t={token}" in text.text and pin_of(code) in text.text
        assert pin_of(code) in text.notice  # the WhatsApp template's parameter too


def test_bad_addresses_and_channels_the_region_lacks_are_refused(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    for via, to, message in (
        ("email", "bukan-alamat", "Alamat e-mail tidak valid."),
        ("email", "", "Isi alamat e-mail Anda."),
        ("whatsapp", "12", "Nomor HP tidak valid"),
        ("fax", "0812 1111 2222", "Pilih ke mana tautan dikirim."),
    ):
        response = send(client, code, token, via, to)
        assert response.status_code == 400, (via, to)
        body = response.get_data(as_text=True)
        assert message in body and 'aria-invalid="true"' in body
    other = stored_complaint(agency="rsud-damanhuri", unit="igd")  # no WhatsApp in HST
    response = send(client, other.tracking_code, token_of(other), "whatsapp", "0812 1111 2222")
    assert response.status_code == 400
    assert (
        db.session.scalar(select(PhoneMessage.id).where(PhoneMessage.kind == "private_link"))
        is None
    )


def test_without_the_token_nothing_is_sent(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    response = send(client, code, "W" * len(token), "email", "x@example.org")
    assert response.status_code == 403
    assert (
        db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.template == "private_link"))
        is None
    )


def test_sending_is_limited_per_case_and_per_recipient(limited, h, ulin_payload):
    app = limited(
        RATELIMIT_SEND_LINK_PER_CASE="2 per hour", RATELIMIT_SEND_LINK_PER_RECIPIENT="1 per hour"
    )
    client = app.test_client()
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    assert send(client, code, token, "email", "satu@example.org").status_code == 303
    refused = send(client, code, token, "email", "SATU@example.org")  # the same inbox
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert send(client, code, token, "email", "dua@example.org").status_code == 303
    assert send(client, code, token, "email", "tiga@example.org").status_code == 429  # the case


# --- the receipt message and the counter slip -----------------------------------------------


def test_the_receipt_message_carries_the_pin_built_when_rendered(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    row = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.template == "receipt")
    ).scalar_one()
    assert pin_of(code) not in row.context_json and token not in row.context_json
    rendered = render_row(row)
    assert pin_of(code) in rendered.text and pin_of(code) in rendered.html


# --- the citizen's own photos, date and place -----------------------------------------------


@pytest.fixture
def with_photo(client, h, ulin_payload):
    photo = (io.BytesIO(h.image_bytes()), "antrean.jpg", "image/jpeg")
    code, token = h.receipt(
        h.post_report(
            client,
            f"/q/{ulin_payload}",
            files=[photo],
            incident_date="2026-01-05",
            location="Loket 3, lantai dasar",
        )
    )
    photo_id = db.session.execute(
        select(Photo.id).join(Complaint).where(Complaint.tracking_code == code)
    ).scalar_one()
    return code, token, photo_id


def test_the_private_page_shows_photos_date_and_place(client, with_photo):
    code, token, photo_id = with_photo
    page = client.get(f"/lacak/{code}?t={token}").get_data(as_text=True)
    url = f"/lacak/{code}/foto/{photo_id}?t={token}"
    assert f'<a href="{url}"><img src="{url}&amp;ukuran=kecil"' in page
    assert "5 Januari 2026" in page and "Loket 3, lantai dasar" in page
    public = client.get(f"/lacak/{code}").get_data(as_text=True)
    assert "/foto/" not in public and "Loket 3" not in public


def test_a_photo_is_served_only_with_the_token_of_its_own_case(client, h, ulin_payload, with_photo):
    code, token, photo_id = with_photo
    response = client.get(f"/lacak/{code}/foto/{photo_id}?t={token}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg" and response.data[:2] == b"\xff\xd8"
    assert "no-store" in response.headers["Cache-Control"]
    other_code, other_token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", title="Kursi ruang tunggu rusak")
    )
    for url in (
        f"/lacak/{code}/foto/{photo_id}",
        f"/lacak/{code}/foto/{photo_id}?t={token[:-1]}{'B' if token[-1] == 'A' else 'A'}",
        f"/lacak/{other_code}/foto/{photo_id}?t={other_token}",  # another case's photo id
        f"/lacak/{code}/foto/{photo_id + 1000}?t={token}",
    ):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "no-store" in answer.headers["Cache-Control"]


def test_the_page_shows_a_small_preview_and_links_the_whole_photo(client, h, ulin_payload):
    """A phone on a slow network loads a preview per photo, not the stored 2000 px file;
    the preview needs the same token and case as the photo."""
    big = (io.BytesIO(h.image_bytes(size=(1800, 1200))), "antrean.jpg", "image/jpeg")
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}", files=[big]))
    photo_id = db.session.execute(
        select(Photo.id).join(Complaint).where(Complaint.tracking_code == code)
    ).scalar_one()
    whole = client.get(f"/lacak/{code}/foto/{photo_id}?t={token}")
    small = client.get(f"/lacak/{code}/foto/{photo_id}?t={token}&ukuran=kecil")
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    assert "no-store" in small.headers["Cache-Control"]
    with Image.open(io.BytesIO(small.data)) as preview, Image.open(io.BytesIO(whole.data)) as full:
        assert max(preview.size) == 480 and full.size == (1800, 1200)
    assert len(small.data) < len(whole.data)
    refused = client.get(f"/lacak/{code}/foto/{photo_id}?ukuran=kecil&t=x{token}")
    assert refused.status_code == 404


def test_coordinates_link_to_openstreetmap(client):
    case = stored_complaint(latitude=-3.3194, longitude=114.5908)
    page = client.get(f"/lacak/{case.tracking_code}?t={token_of(case)}").get_data(as_text=True)
    assert "-3.3194, 114.5908" in page
    assert "https://www.openstreetmap.org/?mlat=-3.3194&amp;mlon=114.5908" in page


def test_a_whatsapp_receipt_is_named_with_a_masked_number(client, h, ulin_payload):
    response = h.post_report(
        client, f"/q/{ulin_payload}", reporter_email=None, notify_via="whatsapp"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    note = page.split('id="receipt-note"', 1)[1].split("</div>", 1)[0]
    assert "lewat WhatsApp ke 62…890" in note
    assert "3456" not in note


def test_the_aids_speak_english_on_the_english_page(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    client.get("/bahasa/en")
    page = client.get(f"/lacak/{code}?t={token}&baru=1").get_data(as_text=True)
    for text in ("Copy link", "Send this link to me", "A receipt with the private link", "Copied"):
        assert text in page, text
    track = client.get("/lacak").get_data(as_text=True)
    assert "Open the full report" in track


def test_the_sent_link_is_delivered_by_e_mail_and_sms(app, client, h, ulin_payload, tmp_path):
    saved = {k: app.config[k] for k in ("MAIL_FILE_DIR", "MAIL_SERVER", "PHONE_MESSAGE_DIR")}
    app.config.update(
        MAIL_FILE_DIR=str(tmp_path / "mail"),
        MAIL_SERVER="",
        PHONE_MESSAGE_DIR=str(tmp_path / "messages"),
    )
    try:
        code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}", anonymous="y"))
        assert send(client, code, token, "email", "budi@example.org").status_code == 303
        assert send(client, code, token, "sms", "0813 3333 4444").status_code == 303
        deliver_all_due(EmailChannel(), now=datetime.now(UTC))
        deliver_all_due(SmsChannel(), now=datetime.now(UTC))
    finally:
        app.config.update(saved)
    mails = [p.read_text() for p in sorted((tmp_path / "mail").glob("*.eml"))]
    (mail,) = [m for m in mails if "budi@example.org" in m]
    assert f"Tautan pribadi laporan {code}" in mail
    (sms,) = (tmp_path / "messages" / "sms").glob("*.txt")
    text = sms.read_text()
    assert "6281333334444" in text and f"?t={token}" in text and pin_of(code) in text


def test_a_quarantined_case_still_shows_its_sender_their_photo(client, with_photo):
    code, token, photo_id = with_photo
    complaint = db.session.execute(
        select(Complaint).where(Complaint.tracking_code == code)
    ).scalar_one()
    complaint.status = "quarantined"  # held by the abuse list: the sender is never told
    db.session.commit()
    assert client.get(f"/lacak/{code}/foto/{photo_id}?t={token}").status_code == 200


def test_photos_and_sending_are_limited_per_address(limited, h, ulin_payload):
    app = limited(RATELIMIT_LOOKUP_PER_ADDRESS="2 per minute")
    client = app.test_client()
    photo = (io.BytesIO(h.image_bytes()), "antrean.jpg", "image/jpeg")
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}", files=[photo]))
    photo_id = db.session.execute(
        select(Photo.id).join(Complaint).where(Complaint.tracking_code == code)
    ).scalar_one()
    url = f"/lacak/{code}/foto/{photo_id}?t={token}"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    app = limited(RATELIMIT_CONVERSATION_PER_ADDRESS="1 per minute")
    client = app.test_client()
    assert send(client, code, token, "email", "satu@example.org").status_code == 303
    assert send(client, code, token, "email", "dua@example.org").status_code == 429

"""An outsider's attacks on the private link's aids (PIN entry, "send this link to me",
the citizen's photos, the QR code and the receipt note), each kept as a regression test."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.notifications.models import OutboxMessage
from tests.functional.test_private_link import (
    WRONG,
    csrf_of,
    open_with,
    pin_of,
    send,
    with_photo,  # noqa: F401 - the fixture
)

CSRF_FIELD = re.compile(r'name="csrf_token" value="[^"]+"')


def _same_for_everyone(response) -> str:
    """The body without what differs by design on every answer: the CSRF field and the
    request id (the X-Request-ID header, shown on error pages as "Kode kejadian")."""
    body = CSRF_FIELD.sub("", response.get_data(as_text=True))
    request_id = response.headers.get("X-Request-ID")
    return body.replace(request_id, "REQUEST-ID") if request_id else body


def _rows_text(model) -> str:
    rows = db.session.execute(select(model).order_by(model.id)).scalars().all()
    return " ".join(str(getattr(r, c.key)) for r in rows for c in model.__table__.columns)


# --- PIN entry ------------------------------------------------------------------------------


def test_spellings_of_one_code_share_one_pin_count(limited, h, ulin_payload):
    """Lower case, spaces, no hyphen, underscores, a long s: all one code, one count."""
    app = limited(RATELIMIT_PIN_PER_CODE="4 per hour", RATELIMIT_PIN_PER_ADDRESS="100 per hour")
    client = app.test_client()
    code, _token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    prefix, body = code.split("-")
    spellings = [code.lower(), f" {prefix} {body} ", f"{prefix}{body}", f"{prefix}_{body}"]
    assert [open_with(client, s, "AAA-AAA").status_code for s in spellings] == [404] * 4
    for variant in (code, code.replace("S", "\u017f", 1).lower()):
        assert open_with(client, variant, pin_of(code)).status_code == 429, variant


def test_many_codes_from_one_address_are_held_by_the_address_limit(limited, h, ulin_payload):
    app = limited(RATELIMIT_PIN_PER_ADDRESS="3 per hour")
    client = app.test_client()
    code, _token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    csrf = csrf_of(client)
    tries = [open_with(client, f"KSL-AAAA{c}A", "AAA-AAA", csrf).status_code for c in "BCD"]
    assert tries == [404] * 3
    assert open_with(client, code, pin_of(code), csrf).status_code == 429


def test_no_oracle_between_a_case_a_rahasia_case_and_no_case(client, h, ulin_payload):
    public, _t = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    secret, _t = h.receipt(h.post_report(client, f"/q/{ulin_payload}", confidential="y"))
    csrf = csrf_of(client)
    answers = set()
    for code in (public, secret, "KSL-AAAAAA"):
        response = open_with(client, code, "WXY-WXY", csrf)
        assert "WXY" not in response.get_data(as_text=True)  # the typed PIN is not echoed
        body = _same_for_everyone(response).replace(code, "CODE")
        headers = sorted(
            (k, v)
            for k, v in response.headers.items()
            if k not in ("Content-Length", "Date", "X-Request-ID")
        )
        answers.add((response.status_code, body, tuple(headers)))
    assert len(answers) == 1
    assert WRONG in next(iter(answers))[1]


def test_the_pin_redirect_never_leaves_the_portal(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    data = {"csrf_token": csrf_of(client), "kode_laporan": code, "pin": pin_of(code)}
    for extra in ({}, {"next": "https://evil.example/"}):
        response = client.post(
            "/lacak/buka?next=https://evil.example/",
            data={**data, **extra},
            headers={"X-Forwarded-Host": "evil.example"},
        )
        assert response.status_code == 303
        location = response.headers["Location"]
        assert "evil" not in location
        assert location.endswith(f"/lacak/{code}?t={token}")
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_pin_entry_without_csrf_is_refused(client, h, ulin_payload):
    code, _token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    response = client.post("/lacak/buka", data={"kode_laporan": code, "pin": pin_of(code)})
    assert response.status_code == 400 and "Location" not in response.headers


def test_huge_inputs_are_wrong_pairs_not_errors(client, h, ulin_payload):
    code, _token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    for typed_code, typed_pin in ((code * 20000, "A" * 100), (code, "A" * 200_000)):
        response = open_with(client, typed_code, typed_pin)
        assert response.status_code == 404
        assert len(response.get_data()) < 200_000


def test_neither_pin_nor_token_reaches_a_log(client, h, ulin_payload, caplog):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    pin = pin_of(code)
    with caplog.at_level(logging.DEBUG):
        open_with(client, code, pin.replace("-", "").lower())
        assert open_with(client, code, pin).status_code == 303
        send(client, code, token, "email", "budi@example.org")
    logged = " ".join(r.getMessage() for r in caplog.records)
    for secret in (token, pin, pin.replace("-", ""), pin.replace("-", "").lower()):
        assert secret not in logged


# --- the private page, QR and photos --------------------------------------------------------


def test_the_private_page_with_qr_and_pin_is_never_cached(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    response = client.get(f"/lacak/{code}?t={token}")
    assert 'class="qr"' in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_photo_route_path_tricks_and_methods(client, h, ulin_payload, with_photo):  # noqa: F811
    code, token, photo_id = with_photo
    for url in (
        f"/lacak/{code}/foto/{photo_id}.jpg?t={token}",
        f"/lacak/{code}/foto/-{photo_id}?t={token}",
        f"/lacak/{code}/foto/..%2F{photo_id}?t={token}",
        f"/lacak/{code}/foto/{photo_id}?t=",
        f"/lacak/{code.lower()}x/foto/{photo_id}?t={token}",
    ):
        assert client.get(url).status_code == 404, url
    head = client.head(f"/lacak/{code}/foto/{photo_id}?t={token}")
    assert head.status_code == 200 and "no-store" in head.headers["Cache-Control"]
    assert client.head(f"/lacak/{code}/foto/{photo_id}").status_code == 404
    assert client.post(f"/lacak/{code}/foto/{photo_id}?t={token}").status_code == 405


def test_head_requests_count_against_the_photo_limit(limited, h, ulin_payload):
    app = limited(RATELIMIT_LOOKUP_PER_ADDRESS="3 per hour")
    client = app.test_client()
    code, _token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    answers = [client.head(f"/lacak/{code}/foto/1?t={'A' * 24}").status_code for _ in range(4)]
    assert answers[-1] == 429


# --- "Kirim tautan ini ke saya" -------------------------------------------------------------


def test_one_inbox_is_one_recipient_across_cases_and_plus_tags(limited, h, ulin_payload):
    app = limited(RATELIMIT_SEND_LINK_PER_RECIPIENT="1 per hour")
    client = app.test_client()
    first, first_token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    second, second_token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    assert send(client, first, first_token, "email", "korban@example.org").status_code == 303
    for to in ("KORBAN@example.org", "korban+1@example.org", "Korban+spam@EXAMPLE.org"):
        assert send(client, second, second_token, "email", to).status_code == 429, to
    assert send(client, second, second_token, "sms", "0812 1111 2222").status_code == 303
    assert send(client, first, first_token, "whatsapp", "+62 812-1111-2222").status_code == 429


def test_header_injection_and_lists_are_refused(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    for to in (
        "a@example.org\r\nBcc: b@example.org",
        "a@example.org\nBcc: b@example.org",
        "a@example.org, b@example.org",
        "a@example.org;b@example.org",
        "Budi <a@example.org>",
        "a@example.org%0aBcc:b@example.org",
        "x" * 100_000 + "@example.org",
    ):
        assert send(client, code, token, "email", to).status_code == 400, to[:40]
    assert _rows_text(OutboxMessage).count("private_link") == 0


def test_sms_only_to_indonesian_mobile_numbers(client, h, ulin_payload):
    """SMS pumping: a foreign or premium-rate number is the attacker's revenue."""
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    for to in ("+44 909 879 0000", "+1 900 555 0100", "00881 6 1234 5678", "+62 21 555 0100"):
        refused = send(client, code, token, "sms", to)
        assert refused.status_code == 400, to
        assert "SMS hanya dapat dikirim ke nomor HP Indonesia" in refused.get_data(as_text=True)
    assert (
        db.session.scalar(select(PhoneMessage.id).where(PhoneMessage.kind == "private_link"))
        is None
    )
    assert send(client, code, token, "sms", "0812 1111 2222").status_code == 303


def test_send_link_without_csrf_or_with_a_token_in_the_query_only(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    url = f"/lacak/{code}/kirim-tautan"
    no_csrf = client.post(url, data={"t": token, "via": "email", "to": "a@example.org"})
    assert no_csrf.status_code == 400
    data = {"csrf_token": csrf_of(client), "via": "email", "to": "a@example.org"}
    assert client.post(f"{url}?t={token}", data=data).status_code == 403
    other = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))[0]
    data["t"] = token  # a right token, on another case's address
    assert client.post(f"/lacak/{other}/kirim-tautan", data=data).status_code == 403
    assert _rows_text(OutboxMessage).count("private_link") == 0


def test_no_outbox_row_holds_a_token_or_pin(client, h, ulin_payload):
    code, token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", reporter_email="b@example.org")
    )
    send(client, code, token, "email", "a@example.org")
    send(client, code, token, "sms", "0812 1111 2222")
    stored = _rows_text(OutboxMessage) + _rows_text(PhoneMessage)
    pin = pin_of(code)
    for secret in (token, pin, pin.replace("-", "")):
        assert secret not in stored


# --- the receipt note and the public page ---------------------------------------------------


def test_the_masked_address_never_shows_without_the_token(client, h, ulin_payload):
    response = h.post_report(client, f"/q/{ulin_payload}", reporter_email="budi@example.org")
    code, token = h.receipt(response)
    send(client, code, token, "email", "siti@example.org")
    for url in (f"/lacak/{code}?baru=1&terkirim=1", f"/lacak/{code}?baru=1&terkirim=1&t=x"):
        page = client.get(url).get_data(as_text=True)
        for absent in ("b***@", "s***@", "receipt-note", "link-sent", "budi", "siti"):
            assert absent not in page, (url, absent)
    private = client.get(f"/lacak/{code}?t={token}&baru=1&terkirim=1").get_data(as_text=True)
    assert "b***@example.org" in private and "budi@" not in private and "siti@" not in private


def test_the_receipt_note_does_not_tell_a_sender_their_report_was_held(client, h, ulin_payload):
    """A quarantined report sends no receipt; its note must read like a report whose receipt
    is on its way, or the abuse list tells its sender they are on it."""
    normal = h.post_report(client, f"/q/{ulin_payload}", reporter_email="budi@example.org")
    held = h.post_report(client, f"/q/{ulin_payload}", reporter_email="budi@example.org")
    held_code, _t = h.receipt(held)
    complaint = db.session.execute(
        select(Complaint).where(Complaint.tracking_code == held_code)
    ).scalar_one()
    complaint.status = "quarantined"
    for row in db.session.execute(
        select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id)
    ).scalars():
        db.session.delete(row)
    db.session.commit()
    notes = []
    for response in (normal, held):
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        notes.append(page.split('id="receipt-note"', 1)[1].split("</div>", 1)[0])
    assert notes[0] == notes[1]


def test_head_requests_count_against_the_tracking_look_up_limits(limited):
    """HEAD /lacak/<code> answers 200 or 404 like GET: guessing codes by HEAD is counted."""
    app = limited(RATELIMIT_LOOKUP_MISSES="3 per hour")
    guesser = app.test_client()
    guesser.get("/")  # a browser: it keeps its cookie
    answers = [guesser.head(f"/lacak/KSL-AAAAA{c}").status_code for c in "BCDE"]
    assert answers == [404, 404, 404, 429]
    app = limited(RATELIMIT_LOOKUP_PER_ADDRESS="2 per hour")
    client = app.test_client()
    answers = [client.head(f"/lacak/KSL-AAAAA{c}").status_code for c in "BCD"]
    assert answers == [404, 404, 429]


def test_send_link_and_photo_answer_a_missing_case_as_a_wrong_token(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    secret, _t = h.receipt(h.post_report(client, f"/q/{ulin_payload}", confidential="y"))
    csrf = csrf_of(client)
    answers = set()
    for target in (code, secret, "KSL-AAAAAA", "bukan-kode"):
        data = {"csrf_token": csrf, "t": "W" * len(token), "via": "email", "to": "a@example.org"}
        sent = client.post(f"/lacak/{target}/kirim-tautan", data=data)
        photo = client.get(f"/lacak/{target}/foto/1?t={'W' * len(token)}")
        answers.add(
            (
                sent.status_code,
                _same_for_everyone(sent).replace(target, "CODE"),
                photo.status_code,
                _same_for_everyone(photo).replace(target, "CODE"),
            )
        )
    assert len(answers) == 1 and next(iter(answers))[:3:2] == (403, 404)


def test_a_photo_is_never_sniffed_or_framed(client, with_photo):  # noqa: F811
    code, token, photo_id = with_photo
    response = client.get(f"/lacak/{code}/foto/{photo_id}?t={token}")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.mimetype.startswith("image/")

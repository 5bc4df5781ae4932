"""The webhooks' HTTP contract: Meta's handshake, the signature before anything is read,
replays stored once, bad bodies refused, the SMS secret, the flood limit per number, and
the delivery reports."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.messaging.outbox import add_phone_message
from tests import chat_peers as peers
from tests.functional.chat_helpers import (
    NUMBER,
    SETTINGS,
    Citizen,
    answers,
    conversation,
    inbound_count,
    last,
    ulin_code,
)


@pytest.fixture
def citizen(chat_app):
    return Citizen(chat_app.test_client())


def test_handshake_echoes_the_challenge_for_the_right_token(chat_app):
    client = chat_app.test_client()
    ok = client.get(
        "/webhook/whatsapp",
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": peers.VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert (ok.status_code, ok.get_data(as_text=True)) == (200, "1158201444")
    assert ok.mimetype == "text/plain"
    for query in (
        {"hub.mode": "subscribe", "hub.verify_token": "salah", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": peers.VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ):
        assert client.get("/webhook/whatsapp", query_string=query).status_code == 403


def test_handshake_refused_when_no_verify_token_is_configured(chat_app):
    chat_app.config["WHATSAPP_VERIFY_TOKEN"] = ""
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert chat_app.test_client().get("/webhook/whatsapp", query_string=query).status_code == 403


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha1=abc", peers.sign(b"another body"), "sign-other"],
)
def test_bad_or_missing_signature_is_401_and_stores_nothing(citizen, router, signature):
    body = peers.webhook_body([peers.inbound_message(NUMBER, text=ulin_code(router))])
    if signature == "sign-other":
        signature = peers.sign(body, "rahasia-lain-yang-salah")
    response = citizen.post_whatsapp(body, signature=signature)
    assert response.status_code == 401
    assert inbound_count() == 0
    assert conversation() is None
    assert answers() == []


def test_no_app_secret_configured_refuses_even_a_signed_body(citizen, chat_app, router):
    chat_app.config["WHATSAPP_APP_SECRET"] = ""
    body = peers.webhook_body([peers.inbound_message(NUMBER, text=ulin_code(router))])
    assert citizen.post_whatsapp(body, signature=peers.sign(body, "")).status_code == 401
    assert inbound_count() == 0


def test_a_replayed_webhook_is_stored_once_and_answered_once(citizen, router):
    msg = peers.inbound_message(NUMBER, text=ulin_code(router), id="wamid.REPLAY0001")
    body = peers.webhook_body([msg])
    for _ in range(3):
        assert citizen.post_whatsapp(body).status_code == 200
    assert inbound_count() == 1
    got = answers()
    assert len(got) == 1 and "Poli Umum" in got[0]
    assert conversation().step == "kind"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[]",
        b'{"object": "page"}',
        b'{"object": "whatsapp_business_account", "entry": 5}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": 1}]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": '
        b'{"messages": [{"from": "abc", "id": "x", "type": "text"}]}}]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": '
        b'{"messages": [{"from": "6281234567890", "id": "x", "type": "text", "text": 3}]}}]}]}',
    ],
)
def test_unparseable_signed_body_is_400_and_stores_nothing(citizen, body):
    assert citizen.post_whatsapp(body).status_code == 400
    assert inbound_count() == 0


def test_oversized_body_is_400_before_the_signature_is_computed(citizen):
    body = b'{"object": "whatsapp_business_account", "pad": "' + b"x" * 300_000 + b'"}'
    assert citizen.post_whatsapp(body).status_code == 400
    assert inbound_count() == 0


def test_unknown_short_code_gets_a_helpful_answer(citizen):
    assert citizen.says("K7Q-3MZ").status_code == 200
    answer = last()
    assert "K7Q-3MZ" in answer and "poster" in answer and "6 huruf" in answer
    assert conversation().step == "idle"


def test_code_inside_a_sentence_and_without_hyphen(citizen, router):
    code = ulin_code(router)
    citizen.says(f"Selamat pagi, saya mau lapor kode {code.lower()} ya")
    assert "Poli Umum" in last() and conversation().step == "kind"


def test_statuses_are_recorded_on_the_outbox_row(citizen):
    row = add_phone_message("whatsapp", NUMBER, "chat", body="halo")
    row.remote_ref = "wamid.SENT0001"
    db.session.commit()
    body = peers.webhook_body(statuses=[peers.status_update("wamid.SENT0001", NUMBER, "delivered")])
    assert citizen.post_whatsapp(body).status_code == 200
    failed = peers.status_update("wamid.SENT0001", NUMBER, "failed", (131047, "Re-engagement"))
    assert citizen.post_whatsapp(peers.webhook_body(statuses=[failed])).status_code == 200
    db.session.expire_all()
    row = db.session.execute(select(PhoneMessage)).scalar_one()
    assert row.delivery_status == "failed" and "131047" in row.delivery_error


def test_flood_from_one_number_is_told_once_then_ignored(citizen, chat_app, router):
    chat_app.config["CHAT_FLOOD_LIMIT"] = 5
    try:
        for i in range(5):
            citizen.says(f"halo {i}")
        before = len(answers())
        for _ in range(4):
            assert citizen.says(ulin_code(router)).status_code == 200
        got = answers()
        assert len(got) == before + 1 and "Terlalu banyak pesan" in got[-1]
        assert conversation().step == "idle"  # the code was not acted on
        other = Citizen(citizen.client, "6281299990000")
        other.says(ulin_code(router))
        assert "Poli Umum" in last("6281299990000")  # another number is not limited
    finally:
        chat_app.config["CHAT_FLOOD_LIMIT"] = 30


def test_sms_secret_in_the_header_or_as_a_parameter(citizen):
    assert citizen.sms("halo", header=True).status_code == 200
    assert citizen.sms("halo lagi", header=False).status_code == 200
    assert len(answers(medium="sms")) == 2
    assert citizen.sms("halo", secret="salah").status_code == 401
    assert citizen.sms("halo", header=False, secret="").status_code == 401
    no_secret = citizen.client.post("/webhook/sms", data={"from": "081234567890", "text": "x"})
    assert no_secret.status_code == 401
    assert len(answers(medium="sms")) == 2


def test_sms_refused_when_no_secret_is_configured(citizen, chat_app):
    chat_app.config["SMS_WEBHOOK_SECRET"] = ""
    assert citizen.sms("halo", secret="").status_code == 401
    assert inbound_count() == 0


def test_sms_aliases_json_and_idempotency(citizen):
    headers = {"X-Webhook-Secret": peers.SMS_SECRET}
    fields = {"sender": "+62 812-3456-7890", "message": "halo", "message_id": "gw-77"}
    for _ in range(2):
        assert citizen.client.post("/webhook/sms", json=fields, headers=headers).status_code == 200
    assert inbound_count() == 1 and len(answers(medium="sms")) == 1
    # No id: sender + text + the gateway's time is the key, so a replay is one message.
    timed = {"msisdn": "081234567890", "msg": "halo lagi", "timestamp": "2026-03-02 10:00:01"}
    for _ in range(2):
        assert citizen.client.post("/webhook/sms", data=timed, headers=headers).status_code == 200
    assert inbound_count() == 2


@pytest.mark.parametrize(
    "fields",
    [{}, {"from": "081234567890"}, {"text": "halo"}, {"from": "bukan nomor", "text": "halo"}],
)
def test_sms_without_sender_or_text_is_400(citizen, fields):
    headers = {"X-Webhook-Secret": peers.SMS_SECRET}
    assert citizen.client.post("/webhook/sms", data=fields, headers=headers).status_code == 400
    assert inbound_count() == 0


def test_webhooks_are_not_limited_per_address(app, test_environ):
    """With the rate limits on, many citizens behind Meta's one address all get through."""
    from portal import create_app

    db.session.commit()
    app = create_app(SETTINGS, environ={**test_environ, "RATELIMIT_ENABLED": "1"})
    client = app.test_client()
    for i in range(40):
        msg = peers.inbound_message(f"62812000{i:05d}", text="halo")
        body = peers.webhook_body([msg])
        response = client.post(
            "/webhook/whatsapp", data=body, headers={"X-Hub-Signature-256": peers.sign(body)}
        )
        assert response.status_code == 200, i

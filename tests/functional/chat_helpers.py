"""Shared pieces of the chat intake tests: the portal configured for the test peers, and a
citizen who posts signed WhatsApp webhooks or SMS gateway calls."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.chat.models import ChatConversation, ChatInbound
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from tests import chat_peers as peers

NUMBER = "6281234567890"
ULIN = ("rsud-ulin", "poli-umum", "pendaftaran")
REPORT_TEXT = (
    "Antrean pendaftaran sangat lama. Saya menunggu tiga jam di loket tanpa kejelasan "
    "dan petugas tidak menjelaskan apa pun."
)
SETTINGS = {
    "WHATSAPP_APP_SECRET": peers.APP_SECRET,
    "WHATSAPP_VERIFY_TOKEN": peers.VERIFY_TOKEN,
    "WHATSAPP_TOKEN": peers.TOKEN,
    "WHATSAPP_PHONE_NUMBER_ID": peers.PHONE_NUMBER_ID,
    "SMS_WEBHOOK_SECRET": peers.SMS_SECRET,
}


@pytest.fixture
def cloud():
    api = peers.CloudApi().start()
    yield api
    api.stop()


@pytest.fixture
def chat_app(app, cloud):
    saved = {k: app.config.get(k) for k in [*SETTINGS, "WHATSAPP_API_URL"]}
    app.config.update(SETTINGS, WHATSAPP_API_URL=cloud.url)
    yield app
    app.config.update(saved)


@pytest.fixture
def portal_url(chat_app):
    """The portal served on a real socket (werkzeug in a thread), for webhooks over HTTP."""
    server = make_server("127.0.0.1", 0, chat_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


class Citizen:
    """Posts what Meta or the SMS gateway would post for one number."""

    def __init__(self, client, number: str = NUMBER, name: str = "Siti Aminah"):
        self.client, self.number, self.name = client, number, name

    def post_whatsapp(self, body: bytes, signature: str | None = "sign"):
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Hub-Signature-256"] = peers.sign(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return self.client.post("/webhook/whatsapp", data=body, headers=headers)

    def says(self, text: str, **kw):
        msg = peers.inbound_message(self.number, "text", text=text, **kw)
        return self.post_whatsapp(peers.webhook_body([msg], name=self.name))

    def picks(self, rid: str, title: str = "", kind: str = "button_reply"):
        msg = peers.inbound_message(self.number, "interactive", **{kind: (rid, title or rid)})
        return self.post_whatsapp(peers.webhook_body([msg], name=self.name))

    def sends_photo(self, media_id: str, mime: str = "image/jpeg"):
        msg = peers.inbound_message(self.number, "image", image={"id": media_id, "mime_type": mime})
        return self.post_whatsapp(peers.webhook_body([msg], name=self.name))

    def sms(self, text: str, *, header: bool = True, secret: str = peers.SMS_SECRET, **extra):
        fields = {"from": "0" + self.number[2:], "text": text, **extra}
        if header:
            return self.client.post(
                "/webhook/sms", data=fields, headers={"X-Webhook-Secret": secret}
            )
        return self.client.post("/webhook/sms", data={**fields, "secret": secret})


def answers(number: str = NUMBER, medium: str | None = None) -> list[str]:
    """The chat answers written to the phone outbox for this number, oldest first."""
    db.session.expire_all()
    stmt = select(PhoneMessage).where(PhoneMessage.recipient == number, PhoneMessage.kind == "chat")
    if medium:
        stmt = stmt.where(PhoneMessage.medium == medium)
    return [m.body for m in db.session.execute(stmt.order_by(PhoneMessage.id)).scalars()]


def last(number: str = NUMBER) -> str:
    got = answers(number)
    assert got, "no answer written"
    return got[-1]


def inbound_count() -> int:
    db.session.expire_all()
    return len(db.session.execute(select(ChatInbound)).scalars().all())


def conversation(number: str = NUMBER, medium: str = "whatsapp") -> ChatConversation | None:
    db.session.expire_all()
    stmt = select(ChatConversation).where(
        ChatConversation.msisdn == number, ChatConversation.medium == medium
    )
    return db.session.execute(stmt).scalar_one_or_none()


def age_conversation(minutes: int, number: str = NUMBER, medium: str = "whatsapp") -> None:
    """Move the conversation's last message back in time (an abandoned conversation)."""
    conv = conversation(number, medium)
    conv.updated_at = conv.updated_at - timedelta(minutes=minutes)
    db.session.commit()


def ulin_code(router) -> str:
    return router.find_service_point(*ULIN).short_code

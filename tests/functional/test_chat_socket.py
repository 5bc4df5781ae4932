"""The whole chat journey over real sockets: the portal served by werkzeug in a thread,
signed webhooks posted to it over HTTP, the photo fetched from the Cloud API peer; then
the staff question answered and the response rated by chat. And `flask chat say`."""

from __future__ import annotations

import urllib.request

from sqlalchemy import select

from portal.cases.services import ActionInput, Actor, perform
from portal.complaints.models import Complaint
from portal.extensions import db
from tests import chat_peers as peers
from tests import photo_samples
from tests.functional.chat_helpers import NUMBER, REPORT_TEXT, answers, ulin_code

ADMIN = Actor("regional-admin")


def post(url: str, message: dict) -> int:
    body = peers.webhook_body([message], name="Budi Santoso")
    request = urllib.request.Request(  # noqa: S310 - the local test server
        url + "/webhook/whatsapp",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": peers.sign(body)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
        return response.status


def case() -> Complaint:
    db.session.rollback()
    db.session.expire_all()
    return db.session.execute(select(Complaint)).scalar_one()


def test_code_to_case_to_question_to_answer_to_rating(portal_url, router, cloud):
    text = lambda t: peers.inbound_message(NUMBER, "text", text=t)  # noqa: E731
    photo = cloud.add_media(photo_samples.jpeg_with_every_metadata())
    for message in (
        text(ulin_code(router)),
        peers.inbound_message(NUMBER, "interactive", button_reply=("1", "Pengaduan")),
        text(REPORT_TEXT),
        peers.inbound_message(NUMBER, "image", image={"id": photo, "mime_type": "image/jpeg"}),
        text("selesai"),
        peers.inbound_message(NUMBER, "interactive", list_reply=("3", "Rahasia")),
        text("ya"),  # the profile name
        text("ya"),  # send
    ):
        assert post(portal_url, message) == 200
    c = case()
    assert c.channel == "whatsapp" and c.confidential and c.reporter_name == "Budi Santoso"
    assert len(c.photos) == 1 and cloud.media_requests == 1
    perform(
        c,
        "verify",
        ADMIN,
        ActionInput(agency_id=c.agency_id, unit_id=c.unit_id),
        router=router,
        expected_version=None,
    )
    perform(
        case(),
        "hold",
        ADMIN,
        ActionInput(text="Jam berapa Anda datang?"),
        router=router,
        expected_version=None,
    )
    assert post(portal_url, text("Saya datang jam 07.30.")) == 200
    c = case()
    assert c.status == "verified" and c.events[-1].kind == "answer"
    perform(
        c,
        "respond",
        ADMIN,
        ActionInput(text="Loket tambahan dibuka."),
        router=router,
        expected_version=None,
    )
    assert post(portal_url, text("4")) == 200
    assert case().rating == 4
    assert any("4/5" in a for a in answers())


def test_chat_say_cli_files_a_report_without_a_provider(chat_app, router):
    runner = chat_app.test_cli_runner()
    number = "0812 1111 2222"
    steps = [ulin_code(router), "1", REPORT_TEXT, "lewati", "2", "ya"]
    outputs = [
        runner.invoke(args=["chat", "say", "--via", "sms", "--from", number, step])
        for step in steps
    ]
    assert all(o.exit_code == 0 for o in outputs), [o.output for o in outputs]
    assert "Poli Umum" in outputs[0].output
    assert "[filed: KSL-" in outputs[-1].output and "/lacak/KSL-" in outputs[-1].output
    assert case().channel == "sms"
    bad = runner.invoke(args=["chat", "say", "--from", "abc", "halo"])
    assert bad.exit_code != 0 and "not a phone number" in bad.output

"""Issue 14's "done when": a citizen with only a phone files, follows, answers and rates a
report without opening a web page or an e-mail, and every update reaches them.

Everything crosses a real socket: the portal is served by werkzeug in a thread and gets
signed webhooks over HTTP; the portal's answers and notices leave through the real
WhatsApp adapter to the Cloud API peer (tests/chat_peers.py), which is what the citizen's
phone shows. Staff act through the case services, as their pages do.
"""

from __future__ import annotations

import re
import urllib.request
from datetime import UTC, datetime

from sqlalchemy import select

from portal.cases.services import ActionInput, Actor, perform
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.messaging.delivery import SmsChannel, WhatsAppChannel
from portal.messaging.models import PhoneMessage
from portal.notifications.models import OutboxMessage
from portal.outbox.worker import deliver_all_due
from tests import chat_peers as peers
from tests.functional.chat_helpers import NUMBER, REPORT_TEXT, ulin_code

ADMIN = Actor("regional-admin")
QUESTION = "Pukul berapa Anda datang ke loket?"
RESPONSE = "Mulai Senin loket pendaftaran tambahan dibuka pukul 07.00."
LINK = re.compile(r"/lacak/([A-Z]+-[A-Z0-9]+)\?t=([A-Za-z0-9_\-]+)")


class Phone:
    """The citizen's WhatsApp: what they send (signed webhooks over HTTP) and what they
    read (every message the portal handed to the Cloud API for their number)."""

    def __init__(self, url: str, cloud: peers.CloudApi):
        self.url, self.cloud, self.read = url, cloud, 0

    def send(self, message: dict) -> None:
        body = peers.webhook_body([message], name="Rina")
        request = urllib.request.Request(  # noqa: S310 - the local test server
            self.url + "/webhook/whatsapp",
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": peers.sign(body)},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200

    def says(self, text: str) -> list[str]:
        self.send(peers.inbound_message(NUMBER, "text", text=text))
        return self.new()

    def taps(self, rid: str, title: str, kind: str = "button_reply") -> list[str]:
        self.send(peers.inbound_message(NUMBER, "interactive", **{kind: (rid, title)}))
        return self.new()

    def new(self) -> list[str]:
        """What arrived since the last look, after the worker's round."""
        deliver()
        got = [m.text for m in self.cloud.to(NUMBER)]
        fresh, self.read = got[self.read :], len(got)
        return fresh


def deliver() -> None:
    for channel in (WhatsAppChannel(), SmsChannel()):
        deliver_all_due(channel, now=datetime.now(UTC))


def the_case() -> Complaint:
    db.session.rollback()
    db.session.expire_all()
    return db.session.execute(select(Complaint)).scalar_one()


def test_a_phone_only_citizen_files_follows_answers_and_rates(chat_app, portal_url, cloud, router):
    phone = Phone(portal_url, cloud)

    # Filing, one message at a time.
    assert any("Poli Umum" in m for m in phone.says(f"Halo, saya mau lapor {ulin_code(router)}"))
    assert any("Tulis laporan" in m for m in phone.taps("1", "Pengaduan"))
    assert any("foto" in m.lower() for m in phone.says(REPORT_TEXT))
    assert any("identitas" in m.lower() for m in phone.says("lewati"))
    assert any("Periksa laporan" in m for m in phone.taps("2", "Anonim", kind="list_reply"))
    filed = phone.says("ya")
    case = the_case()
    assert case.channel == "whatsapp" and case.anonymous and case.notify_via == "whatsapp"
    receipt = next(m for m in filed if case.tracking_code in m)
    link = LINK.search(receipt)
    assert link and link.group(1) == case.tracking_code  # the private link, in the receipt

    # Following: every step of the case reaches the phone, with the code and the link.
    perform(
        case,
        "verify",
        ADMIN,
        ActionInput(agency_id=case.agency_id, unit_id=case.unit_id),
        router=router,
        expected_version=None,
    )
    verified = phone.new()
    assert len(verified) == 1 and case.tracking_code in verified[0] and LINK.search(verified[0])

    # Answering the staff's question in the same chat.
    perform(
        the_case(), "hold", ADMIN, ActionInput(text=QUESTION), router=router, expected_version=None
    )
    (question,) = phone.new()
    assert QUESTION in question and "Balas pesan ini" in question
    phone.says("Saya datang pukul 06.30 dan baru dilayani pukul 09.45.")
    case = the_case()
    assert case.status == "verified" and case.events[-1].kind == "answer"
    assert "06.30" in case.events[-1].note

    # The response, and the rating by replying with a digit.
    perform(
        the_case(),
        "respond",
        ADMIN,
        ActionInput(text=RESPONSE),
        router=router,
        expected_version=None,
    )
    (response,) = phone.new()
    assert RESPONSE in response and "1-5" in response
    thanks = phone.says("5")
    assert the_case().rating == 5 and any("5/5" in m for m in thanks)

    perform(the_case(), "close", ADMIN, ActionInput(), router=router, expected_version=None)
    (closed,) = phone.new()
    assert case.tracking_code in closed

    # Nothing by e-mail to the citizen (they gave none), nothing left waiting or dead.
    to_citizen = db.session.execute(
        select(OutboxMessage).where(~OutboxMessage.recipient.like("%example.org"))
    ).scalars()
    assert list(to_citizen) == []
    rows = db.session.execute(select(PhoneMessage).where(PhoneMessage.recipient == NUMBER))
    rows = rows.scalars().all()
    assert rows and {r.status for r in rows} == {"sent"}
    notices = [r.kind for r in rows if r.kind != "chat"]
    assert notices == ["receipt", "verified", "on_hold", "responded", "closed"]

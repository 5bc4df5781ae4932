"""A reviewer's attacks on the chat intake, each a bug found and fixed: numbers of other
countries taken for Indonesian ones, control characters reaching PostgreSQL, the photo
download holding the database, and what the media URL may point at."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.cases.services import ActionInput, Actor, perform
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.phone_numbers import msisdn
from tests import chat_peers as peers
from tests import photo_samples
from tests.functional.chat_helpers import (
    REPORT_TEXT,
    Citizen,
    conversation,
    inbound_count,
    ulin_code,
)

ADMIN = Actor("regional-admin")
# A Japanese mobile (+81 90-1234-5678): WhatsApp's wa_id is 819012345678, twelve digits
# starting with 8, like an Indonesian 0819-0123-45678 typed without its 0.
JAPAN = "819012345678"
INDONESIA_LOOKALIKE = "62819012345678"


def test_a_plus_number_is_international_never_an_indonesian_one_without_its_zero():
    assert msisdn("+81 90-1234-5678") == JAPAN
    assert msisdn("+82 10-1234-5678") == "821012345678"
    assert msisdn("0062 812 3456 7890") == "6281234567890"
    assert msisdn("+62 812 3456 7890") == "6281234567890"
    assert msisdn("812 3456 7890") == "6281234567890"  # typed without the 0: still ours
    assert msisdn("0819-0123-45678") == INDONESIA_LOOKALIKE
    assert msisdn("+0812 3456 7890") == "6281234567890"  # no country code starts with 0


def test_a_foreign_whatsapp_number_is_its_own_conversation_and_is_answered_there(chat_app):
    Citizen(chat_app.test_client(), number=JAPAN).says("hello")
    assert conversation(INDONESIA_LOOKALIKE) is None
    assert conversation(JAPAN) is not None
    recipients = {m.recipient for m in db.session.execute(select(PhoneMessage)).scalars()}
    assert recipients == {JAPAN}  # never an Indonesian stranger's phone


def test_a_foreign_whatsapp_number_cannot_answer_an_indonesian_citizens_question(chat_app, router):
    indonesian = Citizen(chat_app.test_client(), number=INDONESIA_LOOKALIKE)
    indonesian.sms(f"LAPOR {ulin_code(router)} {REPORT_TEXT}")
    case = db.session.execute(select(Complaint)).scalar_one()
    assert case.reporter_msisdn == INDONESIA_LOOKALIKE
    perform(
        case,
        "verify",
        ADMIN,
        ActionInput(agency_id=case.agency_id, unit_id=case.unit_id),
        router=router,
        expected_version=None,
    )
    case = db.session.get(Complaint, case.id)
    perform(
        case,
        "hold",
        ADMIN,
        ActionInput(text="Nomor antrean?"),
        router=router,
        expected_version=None,
    )
    Citizen(chat_app.test_client(), number=JAPAN).says(f"{case.tracking_code} A-17")
    db.session.expire_all()
    case = db.session.get(Complaint, case.id)
    assert case.status == "on_hold"
    assert not [e for e in case.events if e.kind == "answer"]


def test_a_foreign_reporter_filing_by_whatsapp_is_told_on_their_own_number(chat_app, router):
    japanese = Citizen(chat_app.test_client(), number=JAPAN)
    japanese.says(ulin_code(router))
    japanese.picks("1")
    japanese.says(REPORT_TEXT)
    japanese.picks("LEWATI")
    japanese.picks("2")
    japanese.picks("YA")
    case = db.session.execute(select(Complaint)).scalar_one()
    assert case.reporter_msisdn == JAPAN
    rows = db.session.execute(select(PhoneMessage)).scalars().all()
    assert rows and {r.recipient for r in rows} == {JAPAN}


def _at_name_step(citizen: Citizen, router) -> None:
    citizen.says(ulin_code(router))
    citizen.picks("1")
    citizen.says(REPORT_TEXT)
    citizen.picks("LEWATI")
    citizen.picks("1", "Biasa", kind="list_reply")
    assert conversation().step == "name"


def test_a_name_with_a_nul_is_refused_at_its_step_not_a_500_on_postgresql(chat_app, router):
    citizen = Citizen(chat_app.test_client())
    _at_name_step(citizen, router)
    response = citizen.says("Bu\x00di Santoso")
    assert response.status_code == 200
    assert conversation().step == "name"  # asked again; nothing with a NUL stored
    sent = db.session.execute(select(PhoneMessage).order_by(PhoneMessage.id)).scalars()
    bodies = [m.body or "" for m in sent]  # in the order written: PostgreSQL keeps none
    assert not any("\x00" in b for b in bodies)
    assert "nama" in bodies[-1].lower()


def _at_photo_step(citizen: Citizen, router) -> None:
    citizen.says(ulin_code(router))
    citizen.picks("1")
    citizen.says(REPORT_TEXT)
    assert conversation(citizen.number).step == "photo"


@pytest.mark.parametrize("how", ["cut", "trickle"])
def test_a_photo_download_cut_short_or_trickling_is_a_503_and_nothing_is_stored(
    chat_app, router, cloud, how
):
    chat_app.config["WHATSAPP_TIMEOUT"] = 0.5  # per read; the whole download: 3 times that
    citizen = Citizen(chat_app.test_client())
    _at_photo_step(citizen, router)
    media = cloud.add_media(photo_samples.jpeg_with_every_metadata(size=(400, 300)))
    cloud.download = how
    before = inbound_count()
    response = citizen.sends_photo(media)
    cloud.release.set()  # a trickle still going stops here
    assert response.status_code == 503  # Meta delivers it again
    assert inbound_count() == before and conversation().photos == []


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(  # noqa: S310 - the local test server
        url + "/webhook/whatsapp",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": peers.sign(body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - local
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_slow_photo_download_holds_no_database_lock_over_other_citizens(chat_app, router, cloud):
    """While one citizen's photo is still coming from Meta's CDN, another citizen's
    message is handled at once (SQLite: the download held the write lock, and every
    other webhook and web form waited out the busy timeout, then got a 503)."""
    first = Citizen(chat_app.test_client())
    _at_photo_step(first, router)
    db.session.rollback()
    media = cloud.add_media(photo_samples.jpeg_with_every_metadata(size=(120, 90)))
    cloud.download = "hold"
    server = make_server("127.0.0.1", 0, chat_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    photo = peers.inbound_message(
        first.number, "image", image={"id": media, "mime_type": "image/jpeg"}
    )
    results: dict[str, int] = {}
    held = threading.Thread(
        target=lambda: results.setdefault("photo", _post(url, peers.webhook_body([photo])))
    )
    held.start()
    try:
        assert cloud.download_started.wait(30)
        other = peers.inbound_message("6285700001111", "text", text=ulin_code(router))
        results["other"] = _post(url, peers.webhook_body([other]))
    finally:
        cloud.download_gate.set()
        held.join(60)
        server.shutdown()
    assert results == {"other": 200, "photo": 200}
    assert conversation("6285700001111").step == "kind"
    assert len(conversation(first.number).photos) == 1

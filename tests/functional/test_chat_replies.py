"""Following a case by chat: the answer to a staff question, a reply to a response, a
rating 1–5 with a comment, a message while staff work on it; only the reporter's number."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.cases.services import ActionInput, Actor, perform
from portal.complaints.models import Complaint
from portal.extensions import db
from tests.functional.chat_helpers import REPORT_TEXT, Citizen, answers, last, ulin_code

ADMIN = Actor("regional-admin")


@pytest.fixture
def citizen(chat_app):
    return Citizen(chat_app.test_client())


@pytest.fixture
def filed(citizen, router):
    citizen.sms(f"LAPOR {ulin_code(router)} {REPORT_TEXT}")
    return citizen


def case() -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint)).scalar_one()


def staff(action: str, router, **data) -> None:
    c = case()
    if action in ("respond", "hold") and c.status == "new":
        perform(
            c,
            "verify",
            ADMIN,
            ActionInput(agency_id=c.agency_id, unit_id=c.unit_id),
            router=router,
            expected_version=None,
        )
        c = case()
    perform(c, action, ADMIN, ActionInput(**data), router=router, expected_version=None)


def test_answer_to_a_hold_by_chat_lands_as_the_citizens_answer(filed, router):
    staff("hold", router, text="Mohon sebutkan nomor antrean Anda.")
    assert case().status == "on_hold"
    filed.sms("Nomor antrean saya A-17.")
    c = case()
    assert c.status == "verified"  # back where it came from
    answer = [e for e in c.events if e.kind == "answer"][-1]
    assert answer.note == "Nomor antrean saya A-17." and answer.actor_user_id is None
    told = answers(medium="sms")[-1]
    assert c.tracking_code in told  # which case it went to
    # One case only: no hint on naming "another" report (an SMS that says nothing new).
    assert not any("KSL-7K3Q9M" in a for a in answers(medium="sms"))


def test_the_hint_to_name_a_code_comes_only_with_a_second_open_case(filed, router):
    filed.sms(f"LAPOR {ulin_code(router)} Toilet di lantai dua rusak dan bau sejak kemarin.")
    filed.sms("Tambahan: kejadiannya hari Senin pagi.")
    newest = db.session.execute(
        select(Complaint).order_by(Complaint.id.desc()).limit(1)
    ).scalar_one()
    told = answers(medium="sms")[-2:]
    assert newest.tracking_code in told[0] and "KSL-7K3Q9M" in told[1]


def test_reply_to_a_response_and_a_rating_with_a_comment(filed, router):
    staff("respond", router, text="Loket tambahan dibuka mulai Senin.")
    filed.sms("Terima kasih, akan saya cek Senin.")
    assert [e.kind for e in case().events][-1] == "reply"
    filed.sms("5")
    c = case()
    assert c.rating == 5 and "5/5" in last()
    filed.sms("Pelayanannya cepat.")
    c = case()
    assert c.rating == 5 and c.rating_comment == "Pelayanannya cepat."
    assert "Komentar" in last()


def test_rating_after_close_and_skip_the_comment(filed, router):
    staff("respond", router, text="Sudah ditangani.")
    staff("close", router)
    filed.sms("4")
    assert case().rating == 4
    filed.sms("lewati")
    assert "Terima kasih" in last() and case().rating_comment is None


def test_message_while_staff_work_adds_a_public_event_without_a_status_change(filed):
    filed.sms("Tambahan: kejadiannya hari Senin pagi.")
    c = case()
    assert c.status == "new"
    [event] = [e for e in c.events if e.kind == "message"]
    assert (event.kind, event.public, event.note) == (
        "message",
        True,
        "Tambahan: kejadiannya hari Senin pagi.",
    )
    assert c.tracking_code in " ".join(answers(medium="sms")[-2:])


def test_only_the_reporters_number_reaches_the_case(filed, chat_app):
    code = case().tracking_code
    stranger = Citizen(chat_app.test_client(), "6281311112222")
    stranger.sms(f"{code} saya juga mau menanggapi")
    assert "tidak menemukan" in last("6281311112222")
    assert [e.kind for e in case().events] == ["submitted"]
    stranger.sms("halo apa kabar")  # no case, no code: help
    assert "kode layanan" in last("6281311112222")


def test_naming_the_code_alone_tells_the_status(filed):
    code = case().tracking_code
    filed.sms(code.lower().replace("-", " "))
    assert code in last() and "Tulis pesan" in last()
    assert len(answers(medium="sms")) >= 2

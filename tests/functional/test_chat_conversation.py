"""Filing a report by chat: from the poster's code to a filed case, through the same rules,
routing, clocks, photo pipeline and abuse list as the web form."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portal.abuse.keys import list_key
from portal.abuse.services import Who, add_entry
from portal.chat.models import ChatDraftPhoto
from portal.complaints.models import Complaint
from portal.complaints.storage import blob_path
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from tests import photo_samples
from tests.functional.chat_helpers import (
    NUMBER,
    REPORT_TEXT,
    Citizen,
    age_conversation,
    answers,
    conversation,
    last,
    ulin_code,
)


@pytest.fixture
def citizen(chat_app):
    return Citizen(chat_app.test_client())


def complaints() -> list[Complaint]:
    db.session.expire_all()
    return list(db.session.execute(select(Complaint)).scalars())


def phone_rows() -> list[PhoneMessage]:
    """Everything written to the phone outbox for the citizen, oldest first."""
    db.session.expire_all()
    stmt = select(PhoneMessage).where(PhoneMessage.recipient == NUMBER).order_by(PhoneMessage.id)
    return list(db.session.execute(stmt).scalars())


def draft_photos() -> int:
    db.session.expire_all()
    return len(db.session.execute(select(ChatDraftPhoto)).scalars().all())


def test_the_whole_conversation_files_a_routed_whatsapp_case(citizen, router, cloud, chat_app):
    code = ulin_code(router)
    citizen.says(code)
    assert "Poli Umum" in last() and "1, 2 atau 3" in last()
    citizen.picks("1", "Pengaduan")
    assert "Tulis laporan" in last()
    citizen.says("Terlalu pendek")
    assert "20 sampai 5000" in answers()[-2] and conversation().step == "text"
    citizen.says(REPORT_TEXT)
    assert "foto" in last().lower() and conversation().step == "photo"
    media = cloud.add_media(photo_samples.jpeg_with_every_metadata(size=(120, 90)))
    citizen.sends_photo(media)
    assert "Foto 1 tersimpan" in last()
    citizen.picks("SELESAI")
    assert "identitas" in last().lower()
    citizen.picks("1", "Biasa", kind="list_reply")
    assert "Siti Aminah" in last()  # the WhatsApp profile name is offered
    citizen.picks("YA")
    summary = last()
    summary_id = phone_rows()[-1].id
    assert "Periksa laporan" in summary and "Antrean pendaftaran sangat lama" in summary
    assert complaints() == []
    citizen.says("YA")
    [case] = complaints()
    assert case.channel == "whatsapp" and case.notify_via == "whatsapp"
    assert case.reporter_msisdn == NUMBER and case.reporter_name == "Siti Aminah"
    assert (case.region_id, case.origin_unit_id) == ("kalsel", "poli-umum")
    assert case.title == "Antrean pendaftaran sangat lama"
    assert case.status == "new" and case.verify_due is not None and case.followup_due is not None
    assert not case.anonymous and not case.confidential
    [photo] = case.photos
    stored = blob_path(chat_app.config["UPLOAD_FOLDER"], photo.storage_key).read_bytes()
    photo_samples.assert_clean_jpeg(stored)  # re-encoded, EXIF/GPS/XMP/comments dropped
    assert b"SECRET-COMMENT" not in stored
    # The YA is answered by the receipt alone (tracking code, private link): no second
    # "thank you" after it, out of order and repeating it.
    after_ya = [(m.kind, m.complaint_id) for m in phone_rows() if m.id > summary_id]
    assert after_ya == [("receipt", case.id)]
    assert last() == summary
    assert conversation().step == "idle" and draft_photos() == 0
    # A replayed "YA" (a new message id: the citizen pressed it again) files nothing twice.
    citizen.says("YA")
    assert len(complaints()) == 1


def test_timeout_starts_over_and_says_the_draft_was_not_sent(citizen, router, cloud, chat_app):
    citizen.says(ulin_code(router))
    citizen.picks("1")
    citizen.says(REPORT_TEXT)
    citizen.sends_photo(cloud.add_media(photo_samples.encode(Image.new("RGB", (40, 30)), "PNG")))
    assert draft_photos() == 1
    age_conversation(chat_app.config["CHAT_TIMEOUT_MINUTES"] + 1)
    citizen.says("YA")
    got = answers()
    assert any("tidak dikirim" in a for a in got[-3:])
    assert conversation().step == "idle" and draft_photos() == 0 and complaints() == []


def test_an_abandoned_draft_is_forgotten_by_the_sweep_before_anyone_writes(
    citizen, router, cloud, chat_app
):
    """The worker's tick (and `chat sweep`) drops the text and photos of a report left
    halfway; a conversation still running is left alone; the citizen's next message is
    still told that the unfinished report was not sent."""
    from portal.chat.sweep import sweep_abandoned
    from portal.outbox.registry import registered_tick

    citizen.says(ulin_code(router))
    citizen.picks("1")
    citizen.says(REPORT_TEXT)
    citizen.sends_photo(cloud.add_media(photo_samples.encode(Image.new("RGB", (40, 30)), "PNG")))
    other = Citizen(citizen.client, number="6281299990000")
    other.says(ulin_code(router))  # just started: not abandoned
    assert sweep_abandoned() == 0 and draft_photos() == 1
    age_conversation(chat_app.config["CHAT_TIMEOUT_MINUTES"] + 1)
    registered_tick(chat_app)()  # what `outbox work --tick-every` runs
    conv = conversation()
    assert draft_photos() == 0 and REPORT_TEXT[:20] not in conv.data_json
    assert conversation("6281299990000").data_json != "{}"
    result = chat_app.test_cli_runner().invoke(args=["chat", "sweep"])
    assert result.exit_code == 0 and "0 abandoned" in result.output
    citizen.says("YA")
    assert any("tidak dikirim" in a for a in answers()[-3:]) and complaints() == []


def test_batal_at_any_step_starts_over(citizen, router):
    citizen.says(ulin_code(router))
    citizen.picks("2")
    citizen.says("BATAL")
    assert "Dibatalkan" in last() and conversation().step == "idle"
    citizen.says("cancel")
    assert "Tidak ada laporan" in answers()[-2]
    assert complaints() == []


def test_a_file_that_is_not_an_image_and_one_too_large(citizen, router, cloud, chat_app):
    citizen.says(ulin_code(router))
    citizen.picks("1")
    citizen.says(REPORT_TEXT)
    citizen.sends_photo(cloud.add_media(b"%PDF-1.4 bukan foto", "image/jpeg"))
    assert "bukan foto" in last() and conversation().step == "photo"
    citizen.sends_photo(cloud.add_media(b"teks biasa", "text/plain"))
    assert "bukan foto" in last()
    big = chat_app.config["PHOTO_MAX_BYTES"] + 1
    citizen.sends_photo(cloud.add_media(b"\xff\xd8\xff" + b"\0" * big))
    assert "terlalu besar" in last() and conversation().step == "photo"
    assert draft_photos() == 0
    citizen.says("LEWATI")
    assert conversation().step == "identity"


def test_media_api_down_is_503_and_nothing_stored(citizen, router, cloud):
    citizen.says(ulin_code(router))
    citizen.picks("1")
    citizen.says(REPORT_TEXT)
    before = len(answers())
    cloud.stop()  # the Cloud API is unreachable now
    response = citizen.sends_photo("123456789012345")
    assert response.status_code == 503
    assert len(answers()) == before and conversation().step == "photo"


def test_english_on_request_and_help_in_both_for_another_language(citizen, router):
    citizen.says("Bonjour, je voudrais porter plainte")
    both = last()
    assert "K7Q-3MZ" in both and "Send the service code" in both
    citizen.says("hello")
    assert "To file a report" in last()
    citizen.says(ulin_code(router))
    assert "Choose the kind" in last()
    citizen.says("ID")
    assert "Pilih jenis laporan" in last()
    citizen.says("EN")
    assert conversation().locale == "en"


def test_anonymous_confidential_report(citizen, router):
    citizen.says(ulin_code(router))
    citizen.says("3")  # information request, typed instead of a button
    citizen.says("Berapa biaya pendaftaran pasien umum di Poli Umum RSUD Ulin?")
    citizen.says("lewati")
    citizen.says("4")
    assert "Anonim + Rahasia" in last()
    citizen.says("ya")
    [case] = complaints()
    assert case.anonymous and case.confidential and case.reporter_name is None
    assert case.classification == "information"
    assert case.reporter_msisdn == NUMBER  # reachable by chat, not shown to officers


def test_sms_one_shot_files_an_anonymous_complaint(citizen, router):
    citizen.sms(f"LAPOR {ulin_code(router)} {REPORT_TEXT}")
    [case] = complaints()
    assert case.channel == "sms" and case.notify_via == "sms" and case.anonymous
    assert case.classification == "complaint" and case.reporter_msisdn == NUMBER
    got = answers(medium="sms")
    # The receipt (code and link) answers; the chat adds only why it is Anonim, not a
    # second "thank you" that would cost one more SMS.
    assert [a for a in got if "Anonim" in a] == got and len(got) == 1
    receipts = [m for m in phone_rows() if m.kind == "receipt"]
    assert [(m.medium, m.complaint_id) for m in receipts] == [("sms", case.id)]
    assert receipts[0].id < phone_rows()[-1].id  # the receipt first, then the Anonim note


def test_sms_one_shot_bad_code_and_too_short(citizen, router):
    citizen.sms(f"LAPOR AAA-AAA {REPORT_TEXT}")
    assert "AAA-AAA" in last()
    citizen.sms(f"LAPOR {ulin_code(router)} pendek")
    assert "20 sampai 5000" in answers()[-2]
    assert complaints() == []


def test_sms_step_by_step_with_numbers(citizen, router):
    for text in (ulin_code(router), "1", REPORT_TEXT, "lewati", "2", "YA"):
        assert citizen.sms(text).status_code == 200
    [case] = complaints()
    assert case.channel == "sms" and case.anonymous


def test_region_without_whatsapp_is_told_to_use_the_web(citizen, router):
    hst = next(p for p in router.service_points() if p.region.id == "hst")
    citizen.says(hst.short_code)
    assert "situs web" in last() and conversation().step == "idle"


@pytest.mark.parametrize("action", ["refuse", "quarantine"])
def test_abuse_list_by_number(citizen, router, action):
    add_entry(list_key(), "kalsel", "phone", "0812-3456-7890", action, "iklan", Who(None, "uji"))
    citizen.sms(f"LAPOR {ulin_code(router)} {REPORT_TEXT}")
    if action == "refuse":
        assert complaints() == [] and "tidak dapat kami terima" in last()
    else:
        [case] = complaints()
        assert case.status == "quarantined"


def test_photo_pipeline_drops_gps(citizen, router, cloud):
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=photo_samples.exif())
    citizen.says(ulin_code(router))
    citizen.picks("1")
    citizen.says(REPORT_TEXT)
    citizen.sends_photo(cloud.add_media(out.getvalue()))
    db.session.expire_all()
    [draft] = db.session.execute(select(ChatDraftPhoto)).scalars().all()
    assert not Image.open(io.BytesIO(draft.data)).getexif()

"""The pure chat dialogue: codes found in what people type, titles, steps, BATAL, language,
the SMS one-shot, and the webhook parsers."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from portal.chat import dialogue as d
from portal.chat import parsing
from qr.shortcode import short_code

CODE = short_code("rsud-ulin", "poli-umum", "pendaftaran")
POINT = d.Point(CODE, ("rsud-ulin", "poli-umum", "pendaftaran"), "Poli Umum, RSUD Ulin", "kalsel")
FACTS = d.Facts(today=date(2026, 3, 2), msisdn="6281234567890")
TEXT = "Antrean pendaftaran sangat lama. Saya menunggu tiga jam di loket."


def say(state, text="", facts=FACTS, **kw):
    return d.advance(state, d.Message(text, **kw), facts)


@pytest.mark.parametrize(
    "typed", ["K7Q-3MZ", "k7q3mz", "kode saya K7Q-3MZ ya", "k7q 3mz", "LAPOR K7Q3MZ isi"]
)
def test_code_candidates_find_the_code_however_it_is_typed(typed):
    assert "K7Q3MZ" in d.code_candidates(typed)


def test_tracking_codes_and_plain_words_are_no_poster_codes():
    assert d.code_candidates("KSL-7K3Q9M terima kasih") == []
    assert d.looks_like_code("mohon tunggu sebentar") is None
    assert d.looks_like_code("K7Q-3MZ") == "K7Q-3MZ"
    assert d.looks_like_code("kode AB12CD") == "AB12CD"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (TEXT, "Antrean pendaftaran sangat lama"),
        ("Jalan rusak\ndi depan sekolah sejak sebulan lalu", "Jalan rusak"),
        ("Oke. Jalan di depan sekolah rusak parah", "Oke. Jalan di depan sekolah rusak parah"),
    ],
)
def test_title_is_the_first_sentence_or_line(text, title):
    assert d.derive_title(text) == title


def test_long_title_is_cut_at_a_word():
    title = d.derive_title("kata " * 40)
    assert len(title) <= d.TITLE_LENGTH and title.endswith("…") and " kat…" not in title


def test_steps_from_code_to_file():
    facts = d.Facts(point=POINT, today=FACTS.today, msisdn=FACTS.msisdn)
    out = say(d.State(), CODE, facts)
    assert out.state.step == d.KIND and d.valid_key(out.state.data["key"])
    assert out.says[0].params["unit"] == "Poli Umum, RSUD Ulin"
    out = say(out.state, "1", kind="choice", choice="1")
    assert out.state.step == d.TEXT and out.state.data["kind"] == "complaint"
    short = say(out.state, "pendek")
    assert short.state.step == d.TEXT and "%(min)s" in short.says[0].message
    out = say(out.state, TEXT)
    assert out.state.step == d.PHOTO
    out = say(out.state, "lewati")
    assert out.state.step == d.IDENTITY
    out = say(out.state, "anonim")
    assert out.state.step == d.CONFIRM
    out2 = say(out.state, "hmm")
    assert out2.effect is None and out2.state.step == d.CONFIRM
    assert say(out.state, "YA").effect == d.FILE
    report = d.report_of(out.state.data, msisdn="6281234567890", medium="sms", locale="id")
    assert report.anonymous and report.notify_via == "sms"
    assert report.problems(today=FACTS.today) == {}


def test_batal_and_cancel_start_over_at_any_step():
    for step in (d.KIND, d.TEXT, d.PHOTO, d.IDENTITY, d.NAME, d.CONFIRM):
        out = say(d.State(step, {"key": "k"}), "BATAL")
        assert out.state.step == d.IDLE and out.effect == d.CLEAR_PHOTOS
    assert say(d.State(d.PHOTO), "cancel").state.step == d.IDLE


def test_language_switches_and_help_in_both():
    out = say(d.State(d.KIND, {"point": {"name": "X"}}), "EN")
    assert out.state.locale == "en" and out.state.step == d.KIND
    assert say(out.state, "indonesia").state.locale == "id"
    assert say(d.State(), "hello").state.locale == "en"
    both = d.help_says("Bonjour je voudrais", "id")
    assert both[0].message == d.HELP_BOTH
    assert d.help_says("saya mau tanya", "id")[0].message == d.HELP


def test_the_text_step_takes_any_language():
    out = say(d.State(d.TEXT, {"key": "k"}), "The queue at the registration desk took three hours.")
    assert out.state.step == d.PHOTO


def test_one_shot_files_at_once_as_anonymous():
    facts = d.Facts(point=POINT, today=FACTS.today, msisdn=FACTS.msisdn)
    out = say(d.State(), f"LAPOR {CODE} {TEXT}", facts)
    assert out.effect == d.FILE and out.state.data["identity"] == "2"
    bad = say(d.State(), "LAPOR AAAAAA " + TEXT)
    assert bad.effect == d.CLEAR_PHOTOS and "AAAAAA" in bad.says[0].params["code"]


def test_closed_region_is_told_to_use_the_web():
    closed = d.Point(CODE, POINT.ids, POINT.name, "hst", open=False)
    out = say(d.State(), CODE, d.Facts(point=closed))
    assert out.state.step == d.IDLE and "situs web" in out.says[0].message


def test_photo_outcomes():
    state = d.State(d.PHOTO, {"key": "k"})
    ok = say(state, kind="image", facts=d.Facts(photo="ok", photo_count=0))
    assert ok.effect == d.KEEP_PHOTO and ok.state.step == d.PHOTO
    third = say(state, kind="image", facts=d.Facts(photo="ok", photo_count=2))
    assert third.effect == d.KEEP_PHOTO and third.state.step == d.IDENTITY
    bad = say(state, kind="image", facts=d.Facts(photo="too-large"))
    assert bad.effect is None and "terlalu besar" in bad.says[0].message


@pytest.mark.parametrize(("text", "rating"), [("4", 4), (" 5/5 ", 5), ("1.", 1), ("6", None)])
def test_ratings(text, rating):
    assert d.rating_of(text) == rating


def test_whatsapp_parser_reads_every_kind():
    value = {
        "contacts": [{"profile": {"name": "Siti"}, "wa_id": "6281234567890"}],
        "messages": [
            {"from": "6281234567890", "id": "a", "type": "text", "text": {"body": "halo"}},
            {"from": "6281234567890", "id": "b", "type": "image", "image": {"id": "m1"}},
            {
                "from": "6281234567890",
                "id": "c",
                "type": "interactive",
                "interactive": {"list_reply": {"id": "2", "title": "Anonim"}},
            },
            {"from": "6281234567890", "id": "e", "type": "button", "button": {"payload": "YA"}},
            {"from": "6281234567890", "id": "f", "type": "audio", "audio": {"id": "x"}},
        ],
        "statuses": [{"id": "w", "status": "failed", "errors": [{"code": 1, "title": "t"}]}],
    }
    body = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}
    messages, statuses = parsing.whatsapp(json.dumps(body).encode())
    assert [m.message.kind for m in messages] == ["text", "image", "choice", "choice", "other"]
    assert messages[0].message.profile_name == "Siti" and messages[1].media_id == "m1"
    assert messages[2].message.choice == "2" and messages[3].message.choice == "YA"
    assert statuses[0].error == "1 t"


def test_sms_parser_aliases_and_derived_ids():
    now = datetime(2026, 3, 2, 10, 0)
    one = parsing.sms({"sender": "0812-3456-7890", "msg": "halo"}, now)
    two = parsing.sms({"from": "+6281234567890", "text": "halo"}, now)
    assert one.msisdn == two.msisdn == "6281234567890"
    assert one.provider_id == two.provider_id  # the same message, the same minute
    other = parsing.sms({"from": "081234567890", "text": "halo", "timestamp": "x"}, now)
    assert other.provider_id != one.provider_id
    assert parsing.sms({"from": "081234567890", "text": "a", "id": "9"}, now).provider_id == "id:9"
    with pytest.raises(parsing.BadBody):
        parsing.sms({"from": "abc", "text": "a"}, now)


def test_an_answer_not_understood_is_not_answered_with_the_prompts_last_line_twice():
    facts = d.Facts(point=POINT, today=FACTS.today, msisdn=FACTS.msisdn)
    kind = say(d.State(), CODE, facts).state
    for state, text in ((kind, "saya mau mengadu"), (d.State(d.IDENTITY, kind.data), "entah")):
        out = say(state, text, facts)
        lead, question = out.says
        assert out.state.step == state.step and lead.message == d.NOT_UNDERSTOOD
        assert not question.message.endswith(lead.message)


def test_after_a_photo_ok_means_done_and_the_reminder_does_not_say_skip():
    state = d.State(d.PHOTO, {"point": {"name": "Poli Umum"}}, "id")
    one = d.Facts(today=FACTS.today, photo_count=1)
    reminder = say(state, "mantap", one).says[0]
    assert "SELESAI" in reminder.message and "LEWATI" not in reminder.message
    assert reminder.params == {"n": 1}
    for word in ("ok", "iya", "sudah", "cukup"):
        assert say(state, word, one).state.step == d.IDENTITY
    assert say(state, "ok", FACTS).state.step == d.PHOTO  # no photo yet: "ok" is no answer
    assert say(state, "sudah", FACTS).state.step == d.IDENTITY


@pytest.mark.parametrize(
    ("text", "lang"),
    [("English please", "en"), ("in English pls", "en"), ("pakai bahasa Indonesia saja", "id")],
)
def test_a_language_switch_said_politely(text, lang):
    assert d.language_switch(text) == lang
    assert d.language_switch("tolong") is None and d.language_switch("please") is None


def test_unknown_code_answer_is_correct_indonesian():
    [answer] = d.unknown_code_says("ABC-123")
    assert answer.message.startswith("Kode %(code)s tidak kami kenali.")


def test_english_chat_labels_match_the_lists_they_answer():
    """The summary's "Kind:" and "Identity:" use the words the numbered lists offered."""
    from babel.messages.pofile import read_po

    from tests.unit.test_translations import CATALOG

    with CATALOG.open("rb") as f:
        en = {m.id: m.string for m in read_po(f) if isinstance(m.id, str)}
    kinds = en[d.kind_prompt().message]
    identities = en[d.identity_prompt().message]
    assert f"2. {en[d.KIND_LABELS['aspiration']]}\n" in kinds
    assert f"4. {en[d.IDENTITY_LABELS['4']]}: " in identities

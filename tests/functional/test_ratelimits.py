"""Rate limits, with the limiter ON: a flood is cut, a waiting room behind one address is not.

Every other test runs with RATELIMIT_ENABLED off (tests/conftest.py); these build their own
app with it on, over the same database. Storage: memory:// on SQLite, the real local Redis
when TEST_DATABASE_URL is set (absent Redis: skipped locally, failed under CI=true), each app
under a key prefix of its own, so parallel runs never share a count.
"""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from portal.accounts.models import LoginThrottle
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.national.models import NationalMirrorItem
from portal.notifications.models import OutboxMessage

WAITING_ROOM = 30
FLOOD = 100


def rows(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def report(i: int) -> dict[str, str]:
    """What citizen number i of a waiting room types: each their own story."""
    return {
        "title": f"Antrean loket {i} tidak bergerak",
        "description": f"Pasien nomor {i}: saya sudah menunggu {i + 1} jam tanpa panggilan.",
    }


def redis_keys(storage: str, app) -> list:
    import redis

    return list(
        redis.Redis.from_url(storage).scan_iter(match=f"*{app.config['RATELIMIT_KEY_PREFIX']}*")
    )


# --- the report form ------------------------------------------------------------------------


def test_a_waiting_room_behind_one_address_all_get_through(limited, h, ulin_payload, storage):
    """30 phones on the hospital Wi-Fi (one address), same counter, default limits: each
    files a report, opens the receipt page and looks it up again by its tracking code."""
    app = limited()
    url = f"/q/{ulin_payload}"
    answers = []
    for i in range(WAITING_ROOM):
        phone = app.test_client()
        sent = h.post_report(phone, url, **report(i))
        answers.append(sent.status_code)
        if sent.status_code == 303:
            code, _token = h.receipt(sent)
            answers.append(phone.get(sent.headers["Location"]).status_code)
            answers.append(phone.get("/lacak", query_string={"kode": code}).status_code)
    assert answers == [303, 200, 302] * WAITING_ROOM
    assert rows(Complaint) == WAITING_ROOM
    if storage.startswith("redis"):
        assert redis_keys(storage, app), "the counts must live in Redis"


def test_a_flood_of_one_text_from_one_client_is_cut_to_a_handful(limited, h, ulin_payload, storage):
    app = limited()
    client = app.test_client()
    url = f"/q/{ulin_payload}"
    answers = [h.post_report(client, url).status_code for _ in range(FLOOD)]
    accepted, refused = answers.count(303), answers.count(429)
    assert (accepted, refused) == (2, FLOOD - 2)  # RATELIMIT_REPORT_SAME_TEXT: 2 per hour
    assert rows(Complaint) == 2
    if storage.startswith("redis"):
        assert redis_keys(storage, app)
    # The flood spent almost nothing of what the address shares: a neighbour still files.
    assert h.post_report(app.test_client(), url, **report(1)).status_code == 303


def test_a_flood_of_varied_texts_from_one_browser_stops_at_the_browser_limit(
    limited, h, ulin_payload
):
    app = limited()
    client = app.test_client()
    url = f"/q/{ulin_payload}"
    answers = [h.post_report(client, url, **report(i)).status_code for i in range(12)]
    assert answers == [303] * 5 + [429] * 7  # RATELIMIT_REPORT_PER_SESSION: 5 per 10 minutes
    assert rows(Complaint) == 5


def test_the_same_text_counts_however_it_is_cased_spaced_or_punctuated(limited, h, ulin_payload):
    app = limited(RATELIMIT_REPORT_SAME_TEXT="1 per hour")
    url = f"/q/{ulin_payload}"
    first = report(7)
    assert h.post_report(app.test_client(), url, **first).status_code == 303
    again = {
        "title": "  ANTREAN   loket 7, tidak bergerak!! ",
        "description": first["description"].upper().replace(" ", "  "),
    }
    assert h.post_report(app.test_client(), url, **again).status_code == 429
    assert rows(Complaint) == 1


def test_photos_sent_back_do_not_spend_the_same_text_count(limited, h, ulin_payload):
    """A careless citizen: a 9 MB photo, then a PDF named .jpg, then it goes through."""
    app = limited(RATELIMIT_REPORT_SAME_TEXT="2 per hour")
    client = app.test_client()
    url = f"/q/{ulin_payload}"
    typed = report(3)
    big = (io.BytesIO(b"\xff\xd8" + b"0" * (9 * 1024 * 1024)), "besar.jpg", "image/jpeg")
    fake = (io.BytesIO(b"%PDF-1.4\n" + b"x" * 2000), "surat.jpg", "image/jpeg")
    for photo in (big, fake):
        assert h.post_report(client, url, files=[photo], **typed).status_code == 400
    assert h.post_report(client, url, **typed).status_code == 303
    assert rows(Complaint) == 1


def test_every_door_to_the_same_form_shares_one_count(limited, h, ulin_payload, router):
    """/q/, /Q/ (the QR's upper-case URL) and /k/<code> file at one service point."""
    app = limited(RATELIMIT_REPORT_SAME_TEXT="2 per hour")
    code = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran").short_code
    doors = (f"/q/{ulin_payload}", f"/Q/{ulin_payload.upper()}", f"/k/{code}")
    assert [h.post_report(app.test_client(), door).status_code for door in doors] == [
        303,
        303,
        429,
    ]


def test_the_same_text_at_another_service_point_is_another_report(limited, h, ulin_payload, router):
    app = limited(RATELIMIT_REPORT_SAME_TEXT="1 per hour")
    other = router.find_service_point("rsud-ulin", "kasir", "pembayaran").short_code
    assert h.post_report(app.test_client(), f"/q/{ulin_payload}").status_code == 303
    assert h.post_report(app.test_client(), f"/k/{other}").status_code == 303
    assert h.post_report(app.test_client(), f"/k/{other}").status_code == 429


def test_per_address_limit_counts_every_browser_of_that_address(limited, h, ulin_payload):
    app = limited(RATELIMIT_REPORT_PER_ADDRESS="3 per hour")
    url = f"/q/{ulin_payload}"

    def from_address(address: str, i: int) -> int:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return h.post_report(client, url, **report(i)).status_code

    assert [from_address("198.51.100.1", i) for i in range(4)] == [303, 303, 303, 429]
    assert from_address("198.51.100.2", 9) == 303  # another address has its own count


def test_per_service_point_limit_counts_every_address(limited, h, ulin_payload, router):
    app = limited(RATELIMIT_REPORT_PER_SERVICE_POINT="3 per hour")
    url = f"/q/{ulin_payload}"

    def from_address(target: str, i: int) -> int:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{i + 1}"
        return h.post_report(client, target, **report(i)).status_code

    assert [from_address(url, i) for i in range(4)] == [303, 303, 303, 429]
    other = router.find_service_point("rsud-ulin", "kasir", "pembayaran").short_code
    assert from_address(f"/k/{other}", 10) == 303


def test_a_refused_report_comes_back_filled_and_nothing_is_stored(limited, h, ulin_payload):
    app = limited(RATELIMIT_REPORT_PER_SESSION="1 per hour")
    client = app.test_client()
    url = f"/q/{ulin_payload}"
    assert h.post_report(client, url, **report(1)).status_code == 303
    stored = (rows(Complaint), rows(OutboxMessage), rows(NationalMirrorItem))
    typed = {
        "title": "Loket farmasi tutup lebih awal",
        "description": "Loket farmasi tutup pukul dua siang padahal jadwalnya sampai pukul empat.",
        "location": "Lantai 2, dekat lift",
    }
    photo = (io.BytesIO(h.image_bytes()), "bukti.jpg", "image/jpeg")
    refused = h.post_report(client, url, files=[photo], **typed)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    html = refused.get_data(as_text=True)
    assert "Terlalu banyak laporan dari perangkat atau jaringan Anda" in html
    assert "lampirkan lagi" in html  # the photos must be attached again
    for value in typed.values():
        assert value in html
    assert "Siti Aminah" in html and "0812 3456 7890" in html
    assert 'name="submission_key" value="' in html and 'name="csrf_token"' in html
    assert (rows(Complaint), rows(OutboxMessage), rows(NationalMirrorItem)) == stored

    client.get("/bahasa/en")
    english = h.post_report(client, url, **typed)
    assert english.status_code == 429
    text = english.get_data(as_text=True)
    assert "Too many reports from your device or network" in text
    assert typed["title"] in text


def test_a_report_with_errors_is_not_counted_as_a_look_up_miss(limited, h, router):
    """The misses limit counts codes that find nothing, not a form sent back with errors."""
    app = limited(RATELIMIT_LOOKUP_MISSES="1 per hour")
    client = app.test_client()
    code = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran").short_code
    for _ in range(3):
        assert h.post_report(client, f"/k/{code}", title="").status_code == 400
    assert client.get("/lacak", query_string={"kode": "?"}).status_code == 400  # the first miss
    assert client.get("/lacak", query_string={"kode": "?"}).status_code == 429


# --- the honeypot ---------------------------------------------------------------------------


def test_the_honeypot_is_hidden_by_the_stylesheet_and_labelled_leave_empty(
    client, ulin_payload, app
):
    html = client.get(f"/q/{ulin_payload}").get_data(as_text=True)
    assert (
        '<div class="hp"><label for="website">Jangan isi kolom ini (biarkan kosong)</label>' in html
    )
    assert 'name="website" value="" tabindex="-1" autocomplete="off"' in html
    trap = html.split('<div class="hp">', 1)[1].split("</div>", 1)[0]
    assert "style" not in trap  # hidden by the stylesheet: the CSP forbids inline style
    css = (Path(app.static_folder) / "app.css").read_text(encoding="utf-8")
    assert ".hp{position:absolute;left:-10000px" in css


def test_a_filled_honeypot_stores_nothing_and_says_no_more(client, h, ulin_payload):
    url = f"/q/{ulin_payload}"
    refused = h.post_report(client, url, website="https://spam.example", **report(3))
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Laporan tidak dapat diterima" in html
    assert "spam.example" not in html  # the trap comes back empty
    assert report(3)["title"] in html  # a person who filled it keeps what they typed
    assert "website" not in html.split('class="alert"', 1)[1].split("</div>", 1)[0]
    assert (rows(Complaint), rows(OutboxMessage), rows(NationalMirrorItem)) == (0, 0, 0)
    # Sent again with the trap empty, the same report goes through.
    assert h.post_report(client, url, website="", **report(3)).status_code == 303


def test_a_filled_honeypot_is_refused_with_the_limiter_on_too(limited, h, ulin_payload):
    app = limited()
    answer = h.post_report(app.test_client(), f"/q/{ulin_payload}", website="x", **report(4))
    assert answer.status_code == 400
    assert rows(Complaint) == 0


# --- look-ups, short codes, conversation, sign-in ---------------------------------------------


def english(client) -> None:
    client.get("/bahasa/en")


def test_tracking_look_ups_are_limited_per_address_with_a_bilingual_429(limited):
    app = limited(RATELIMIT_LOOKUP_PER_ADDRESS="3 per minute")
    client = app.test_client()
    answers = [client.get("/lacak/KSL-AAAAAA").status_code for _ in range(3)]
    assert answers == [404, 404, 404]
    refused = client.get("/lacak/KSL-AAAAAA")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Terlalu banyak permintaan" in refused.get_data(as_text=True)
    english(client)
    text = client.get("/lacak/KSL-AAAAAA").get_data(as_text=True)
    assert "Too many requests" in text


def test_codes_that_find_nothing_are_limited_per_browser(limited):
    app = limited(RATELIMIT_LOOKUP_MISSES="5 per 10 minutes")
    guesser = app.test_client()
    guesser.get("/")  # a browser: it keeps its cookie
    answers = [guesser.get(f"/lacak/KSL-AAAAA{c}").status_code for c in "BCDEFGH"]
    assert answers == [404] * 5 + [429] * 2
    assert guesser.get("/k/ZZZZZZ").status_code == 429  # one budget for every kind of code
    other = app.test_client()  # another phone behind the same address is not touched
    other.get("/")
    assert other.get("/lacak/KSL-AAAAAB").status_code == 404


def test_short_codes_are_limited_per_address(limited, router):
    app = limited(RATELIMIT_LOOKUP_PER_ADDRESS="2 per minute")
    code = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran").short_code
    client = app.test_client()
    assert client.get(f"/k/{code}").status_code == 200
    assert client.get(f"/k/{code}").status_code == 200
    assert client.get(f"/k/{code}").status_code == 429
    entry = [client.get("/k", query_string={"kode": code}).status_code for _ in range(3)]
    assert entry == [302, 302, 429]


def test_the_conversation_is_limited_per_case(limited, h, ulin_payload):
    app = limited(RATELIMIT_CONVERSATION_PER_CASE="3 per hour")
    client = app.test_client()
    url = f"/q/{ulin_payload}"
    code, token = h.receipt(h.post_report(client, url))
    csrf = h.open_form(client, url)["csrf_token"]  # the form the page would carry

    def reply() -> int:
        data = {"csrf_token": csrf, "t": token, "version": "1", "text": "Ada kabar?"}
        return client.post(f"/lacak/{code}/balas", data=data).status_code

    answers = [reply() for _ in range(4)]
    assert 429 not in answers[:3]  # nothing to reply to yet (409), but each one counts
    assert answers[3] == 429
    assert client.get(f"/lacak/{code}?t={token}").status_code == 200  # reading stays open


def test_sign_in_is_limited_per_address_before_any_password_check(limited, h):
    app = limited(RATELIMIT_SIGNIN_PER_ADDRESS="3 per minute")
    client = app.test_client()
    answers = [
        h.login(client, "nobody@example.org", "salah-sandi-1234").status_code for _ in range(5)
    ]
    assert answers == [401, 401, 401, 429, 429]
    # The database throttle counted the three that reached the password check, no more.
    failures = db.session.scalars(select(LoginThrottle.failures)).all()
    assert sorted(failures) == [3, 3]
    assert client.get("/staf/masuk").status_code == 200  # the page itself stays open


# --- the client address and TRUSTED_PROXIES ---------------------------------------------------


def forwarded(client, address: str):
    return client.get(
        "/lacak/KSL-AAAAAA",
        headers={"X-Forwarded-For": address},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )


def test_x_forwarded_for_is_ignored_without_trusted_proxies(limited):
    app = limited(RATELIMIT_LOOKUP_PER_ADDRESS="2 per minute", TRUSTED_PROXIES="0")
    client = app.test_client()
    answers = [forwarded(client, f"203.0.113.{i}").status_code for i in range(3)]
    assert answers == [404, 404, 429]  # a forged header does not buy a fresh count


def test_x_forwarded_for_is_honoured_behind_one_trusted_proxy(limited):
    app = limited(RATELIMIT_LOOKUP_PER_ADDRESS="2 per minute", TRUSTED_PROXIES="1")
    client = app.test_client()
    assert [forwarded(client, "203.0.113.1").status_code for _ in range(3)] == [404, 404, 429]
    assert forwarded(client, "203.0.113.2").status_code == 404  # the proxy's next client


# --- switched off ---------------------------------------------------------------------------


def test_limits_off_means_no_limit(limited, h, ulin_payload):
    app = limited(RATELIMIT_ENABLED="0", RATELIMIT_REPORT_SAME_TEXT="1 per hour")
    client = app.test_client()
    assert [h.post_report(client, f"/q/{ulin_payload}").status_code for _ in range(3)] == [303] * 3
    assert rows(Complaint) == 3


def test_a_storage_that_does_not_answer_never_turns_into_an_error_page(limited, h, ulin_payload):
    """Redis down: the limits fall back to counting in memory; the portal keeps answering."""
    app = limited(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = app.test_client()
    assert h.post_report(client, f"/q/{ulin_payload}").status_code == 303
    assert client.get("/lacak/KSL-AAAAAA").status_code == 404
    assert h.login(client, "nobody@example.org", "salah-sandi-1234").status_code == 401
    assert rows(Complaint) == 1

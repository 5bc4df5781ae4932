"""The Open311 API attacked: by a reader without a key and by a client with one.

One test per finding (each failed before its fix), then tests that the important things
found to hold keep holding: nothing unpublished is confirmable, a key files only where it
may, media_url reaches no inside address in any spelling, bad input is a 4xx, never a 5xx,
and every XML answer parses.
"""

from __future__ import annotations

import ipaddress
import json
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.logredact import REDACTED, redact
from portal.open311.keys import create_key, revoke_key
from portal.open311.media_fetch import MediaRefused, fetch_photo, is_refused
from portal.open311.models import ApiPost
from tests import photo_samples
from tests.factories import stored_complaint
from tests.functional.case_actions import act
from tests.functional.open311_helpers import API, both, pin_routing, published
from tests.functional.open311_peers import PhotoHost
from tests.functional.test_open311_media import limits
from tests.functional.test_open311_post import (
    DESCRIPTION,
    HST,
    ULIN,
    URL,
    Unchanged,
    descriptions,
    form,
    posts,
    stored,
)
from tests.functional.test_open311_post import key as key
from tests.functional.test_token_redaction import _fetch, development_server_log


def parses(body: bytes) -> ET.Element:
    return ET.fromstring(body)  # noqa: S314 - the portal's own answer


# --- findings ---------------------------------------------------------------------------------


def test_a_stored_u_ffff_never_breaks_the_xml_answers(client):
    """Finding: U+FFFF passes intake (it is no control character) but is no XML character;
    one verified report with it in its title broke every XML list that showed it."""
    case = published(title="Antrean \uffff lama\ufffe sekali")
    other = published()
    for path in (f"/requests/{case.tracking_code}.xml", "/requests.xml"):
        root = parses(client.get(API + path).data)
        titles = [r.findtext("description") for r in root]
        assert "Antrean  lama sekali" in titles, titles
    assert other.tracking_code in client.get(f"{API}/requests.xml").get_data(as_text=True)
    # the JSON twin keeps the stored text as it is (JSON can hold it)
    [found] = client.get(f"{API}/requests/{case.tracking_code}.json").get_json()
    assert found["description"] == case.title


def test_an_echoed_u_ffff_in_a_bad_parameter_still_parses(client):
    """Finding: the error that quotes a bad tracking code echoed U+FFFF into the XML."""
    got = client.get(f"{API}/requests.xml", query_string={"service_request_id": "\uffffX"})
    assert got.status_code == 400
    assert parses(got.data).findtext("error/description").startswith("service_request_id: ")


def test_a_duplicate_never_names_an_unpublished_original(client, staff):
    """Finding: a verified duplicate's status_notes is its original's tracking code; when
    the original is unverified (or quarantined), the answer confirmed that it exists."""
    original = stored_complaint(status=s.NEW)
    dup = published()
    code = original.tracking_code
    done = act(staff["admin"], dup.tracking_code, "reject_duplicate", duplicate_of=code)
    assert done.status_code == 303, done.data[:300]
    for fmt in ("json", "xml"):
        for path in (f"/requests/{dup.tracking_code}", "/requests"):
            raw = client.get(f"{API}{path}.{fmt}").get_data(as_text=True)
            assert dup.tracking_code in raw and original.tracking_code not in raw, (path, fmt)
    [found] = both(client, f"/requests/{dup.tracking_code}", "requests")
    assert found["status_notes"] is None and found["status"] == "closed"
    # once the original is published, naming it tells nothing new
    db.session.get(Complaint, original.id).status = s.VERIFIED
    db.session.get(Complaint, original.id).verified_at = dup.verified_at
    db.session.commit()
    [found] = both(client, f"/requests/{dup.tracking_code}", "requests")
    assert found["status_notes"] == original.tracking_code


def test_a_title_taken_from_the_text_is_not_published_where_the_text_is_private(
    app, client, key, staff, monkeypatch, tmp_path
):
    """Finding: filed without attribute[title] (or by WhatsApp/SMS), the title is the
    description's first line; with public_text off it was published all the same, so
    "Saya Siti Aminah, HP 0812…, menunggu…" went out to every reader."""
    first_line = "Saya Siti Aminah HP 0812 9999 1111 menunggu tiga jam di loket pendaftaran."
    filed = client.post(URL, data=form(key, description=first_line + "\nTidak ada petugas."))
    assert filed.status_code == 201, filed.data
    [receipt] = filed.get_json()
    code = receipt["service_request_id"]
    assert act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum").status_code == 303
    chat = published(
        title="Saya Budi Santoso menunggu…", description="Saya Budi Santoso menunggu lama"
    )
    typed = published(title="Antrean pendaftaran lama", description=DESCRIPTION)
    for fmt in ("json", "xml"):
        raw = client.get(f"{API}/requests.{fmt}").get_data(as_text=True)
        for secret in ("Siti", "0812", "9999", "Budi"):
            assert secret not in raw, (secret, fmt)
    [one] = both(client, f"/requests/{code}", "requests")
    assert one["description"] == "Pengaduan"
    [en] = both(client, f"/requests/{chat.tracking_code}", "requests", locale="en")
    assert en["description"] == "Complaint"
    [kept] = both(client, f"/requests/{typed.tracking_code}", "requests")
    assert kept["description"] == "Antrean pendaftaran lama"  # a title of its own stays
    pin_routing(app, monkeypatch, tmp_path, public_text=True)
    [shown] = both(client, f"/requests/{code}", "requests")
    assert shown["description"].startswith(first_line)


def test_thousands_of_bad_codes_are_answered_in_a_few_lines(client):
    """Finding: every bad code of a 5,000-item list was one error line (370 KB answered to a
    4 KB query)."""
    many = ",".join(f"x{i}" for i in range(5000))
    for field in ("service_request_id", "service_code", "status"):
        got = client.get(f"{API}/requests.json", query_string={field: many})
        assert got.status_code == 400
        errors = got.get_json()
        assert 1 <= len(errors) <= 11 and len(got.data) < 3000, (field, len(errors))
        assert all(e["description"].startswith(f"{field}: ") for e in errors)


def test_the_api_key_never_reaches_the_development_servers_log(app, key):
    """Finding: a client that puts api_key in the query string (GeoReport clients do, on
    GETs) had its key written to the access log in full."""
    with development_server_log(app) as (server, collect):
        base = server + API
        assert _fetch(f"{base}/requests.json?api_key={key}") == 200
        assert _fetch(f"{base}/services.json?jurisdiction_id=kalsel&api_key={key}") == 200
    lines = [line for line in collect.lines if "/open311/" in line]
    assert len(lines) == 2, collect.lines
    assert all(key not in line and key[6:] not in line for line in collect.lines)
    assert all(f"api_key={REDACTED}" in line for line in lines)


@pytest.mark.parametrize(
    "line",
    [
        "POST /open311/v2/requests.json?api_key=al311_{body} HTTP/1.1",
        "GET /open311/v2/requests.xml?locale=en&api_key=al311_{body}",
        "/bahasa/en?next=%2Fopen311%2Fv2%2Frequests.json%3Fapi_key%3Dal311_{body}",
        "/x?api%5Fkey=al311_{body}&y=1",
        "header X-Api-Key: al311_{body}",
        "api_key=al311_{body}",
    ],
)
def test_redact_masks_every_spelling_of_an_api_key(line):
    body = "Ab12" + "x" * 39
    cleaned = redact(line.format(body=body))
    assert body not in cleaned and REDACTED in cleaned, cleaned
    assert redact(cleaned) == cleaned
    assert redact("GET /open311/v2/requests.json?page=2&capi_key=3") == (
        "GET /open311/v2/requests.json?page=2&capi_key=3"
    )


def test_keyless_posts_are_limited_per_address_and_a_flood_writes_no_rows(limited, key):
    """Finding: a POST without a (valid) key was never counted anywhere and wrote one
    ApiPost row each: a stranger could grow the table without bound."""
    app = limited(RATELIMIT_OPEN311_READ_PER_ADDRESS="3 per minute")
    client = app.test_client()
    with app.app_context():
        answers = [
            client.post(URL, data=form(wrong)).status_code
            for wrong in (None, "al311_" + "x" * 43, "nope", None, "al311_" + "y" * 43)
        ]
        assert answers == [403, 403, 403, 429, 429]
        refused = client.post(URL, data=form(None))
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert [p.outcome for p in posts()] == ["forbidden"] * 3
        # a client with its key is not held back by strangers at the same address
        assert client.post(URL, data=form(key)).status_code == 201
        # reads keep their own count
        assert client.get(f"{API}/services.json").status_code == 200


def test_a_repeated_field_is_refused_not_read_one_way(app, client, key):
    """Finding: `attribute[anonymous]=false&attribute[anonymous]=true` filed the name (the
    first value won, silently); a client meaning the last one filed what it did not mean."""
    for name, values in (
        ("attribute[anonymous]", ["false", "true"]),
        ("attribute[confidential]", ["false", "true"]),
        ("service_code", [ULIN, HST]),
        ("description", [DESCRIPTION, DESCRIPTION + " Kedua."]),
    ):
        data = {k: v for k, v in form(key).items() if k != name}
        body = MultiDict([*data.items(), *((name, v) for v in values)])
        with Unchanged(app):
            response = client.post(URL, data=body)
        assert response.status_code == 400, (name, response.data)
        assert f"{name}: Kirim bidang ini sekali saja." in descriptions(response)
    assert [p.outcome for p in posts()] == ["invalid"] * 4
    # sent once, true is taken
    response = client.post(URL, data=form(key, **{"attribute[anonymous]": "TRUE"}))
    assert response.status_code == 201
    db.session.expire_all()
    [case] = db.session.scalars(select(Complaint)).all()
    assert case.anonymous and case.reporter_name is None


def test_the_post_record_never_keeps_a_typed_field_name(app, client, key):
    """Finding: ApiPost.detail kept unknown attribute and repeated field names as typed, so a
    client's mistake (`attribute[0812 3456 7890]`) put personal data into the record. A
    plain misspelling (`attribute[anonymus]`) is still named, to help the client's team."""
    data = form(key, **{"attribute[Siti 0812 3456 7890]": "x", "siti@example.org": "y"})
    body = MultiDict([*data.items(), ("siti@example.org", "z")])
    response = client.post(URL, data=body)
    assert response.status_code == 400
    [post] = posts()
    assert post.outcome == "invalid" and post.detail == "other"
    record = json.dumps([post.detail, post.service_code, post.remote_addr, post.token])
    for typed in ("Siti", "0812", "3456", "siti@", "Aminah", DESCRIPTION[:20]):
        assert typed not in record
    client.post(URL, data=form(key, **{"attribute[anonymus]": "true"}))
    assert posts()[-1].detail == "attribute[anonymus]"


def test_an_incident_date_past_year_9999_in_the_regions_zone_is_a_400(app, client, key):
    """Finding: 9999-12-31T23:59:59-14:00 is in year 10000 in WITA; it was a 500."""
    for value in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        with Unchanged(app):
            response = client.post(URL, data=form(key, **{"attribute[incident_date]": value}))
        assert response.status_code == 400, (value, response.status_code)
        assert descriptions(response)[0].startswith("attribute[incident_date]: ")
    assert [p.outcome for p in posts()] == ["invalid", "invalid"]


@pytest.mark.parametrize(
    "address",
    ["2002:7f00:1::", "2002:a00:1::5", "2002:a9fe:a9fe::", "fec0::1", "192.0.0.8", "192.0.0.170"],
)
def test_six_to_four_site_local_and_ietf_addresses_are_refused(address):
    """Finding: on Python 3.11 these count as global: a 6to4 address embedding 127.0.0.1,
    10.0.0.1 or the metadata service, the old IPv6 site-local block, 192.0.0.0/24."""
    assert is_refused(ipaddress.ip_address(address), ())


def test_a_public_six_to_four_address_still_passes():
    assert not is_refused(ipaddress.ip_address("2002:808:808::1"), ())  # 8.8.8.8


# --- what holds: nothing unpublished is confirmable --------------------------------------------


def test_every_way_of_asking_for_an_unpublished_code_answers_as_unknown(client, app):
    hidden = [
        published(confidential=True),
        stored_complaint(status=s.NEW),
        published(status=s.QUARANTINED),
        published(status=s.ARCHIVED, reject_reason="spam"),
    ]
    unknown = "KSL-AAAAAA"
    for case in hidden:
        for fmt in ("json", "xml"):
            for query in ("", "?jurisdiction_id=kalsel", "?jurisdiction_id=hst", "?locale=en"):
                got = client.get(f"{API}/requests/{case.tracking_code}.{fmt}{query}")
                ref = client.get(f"{API}/requests/{unknown}.{fmt}{query}")
                assert (got.status_code, got.data) == (ref.status_code, ref.data)
            lower = client.get(f"{API}/requests/{case.tracking_code.lower()}.{fmt}")
            assert lower.status_code == 404
            listed = client.get(f"{API}/requests.{fmt}?service_request_id={case.tracking_code}")
            empty = client.get(f"{API}/requests.{fmt}?service_request_id={unknown}")
            assert (listed.status_code, listed.data) == (empty.status_code, empty.data)
            media = client.get(f"{API}/media/{case.tracking_code}/1.jpg")
            assert (media.status_code, media.data) == (
                404,
                client.get(f"{API}/media/{unknown}/1.jpg").data,
            )


def test_a_case_transferred_away_is_unpublished_until_the_other_region_verifies(client, staff):
    case = published()
    code = case.tracking_code
    moved = act(staff["admin"], code, "transfer", forward_to="hst", text="Wilayah HST.")
    assert moved.status_code == 303, moved.data[:300]
    for query in ("", "?jurisdiction_id=kalsel", "?jurisdiction_id=hst"):
        assert client.get(f"{API}/requests/{case.tracking_code}.json{query}").status_code == 404
    assert case.tracking_code not in client.get(f"{API}/requests.json").get_data(as_text=True)


def test_list_and_paging_never_count_unpublished_reports(client):
    shown = [published() for _ in range(3)]
    for _ in range(3):
        published(confidential=True)
        stored_complaint(status=s.NEW)
    first = both(client, "/requests", "requests", page_size="2")
    second = both(client, "/requests", "requests", page_size="2", page="2")
    third = both(client, "/requests", "requests", page_size="2", page="3")
    assert len(first) == 2 and len(second) == 1 and third == []
    assert {x["service_request_id"] for x in first + second} == {c.tracking_code for c in shown}


# --- what holds: a key files only where it may ---------------------------------------------------


def test_a_key_of_one_region_never_files_into_another_in_any_spelling(app, client, key):
    for code in (HST, HST.lower(), HST.replace("-", ""), f" {HST} ", HST.replace("-", " ")):
        for jurisdiction in (None, "kalsel", "hst", "KALSEL"):
            with Unchanged(app):
                response = client.post(
                    URL, data=form(key, service_code=code, jurisdiction_id=jurisdiction)
                )
            assert response.status_code in (403, 404), (code, jurisdiction)
    assert all(p.outcome in ("forbidden", "invalid") for p in posts())


def test_a_key_in_the_query_string_or_revoked_files_nothing(app, client, key):
    data = form(key)
    del data["api_key"]
    with Unchanged(app):
        assert client.post(f"{URL}?api_key={key}", data=data).status_code == 403
    revoke_key("kota-banjarmasin-app")
    with Unchanged(app):
        assert client.post(URL, data=form(key)).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "attribute[anonymous][]",
        "attribute[anonymous ]",
        "attribute[Anonymous]",
        "attribute[anonymous\x00]",
        "attribute[[anonymous]]",
        "attribute[]",
    ],
)
def test_a_misspelt_anonymous_is_refused_never_ignored(app, client, key, name):
    with Unchanged(app):
        response = client.post(URL, data=form(key, **{name: "true"}))
    assert response.status_code == 400
    assert any("Atribut ini tidak dikenal." in d for d in descriptions(response))


@pytest.mark.parametrize("value", ["1", "yes", "on", "ｔｒｕｅ", "true\x00", "tru"])
def test_anonymous_takes_only_true_or_false(app, client, key, value):
    with Unchanged(app):
        response = client.post(URL, data=form(key, **{"attribute[anonymous]": value}))
    assert response.status_code == 400
    assert descriptions(response)[0].startswith("attribute[anonymous]: ")


def test_a_token_is_no_key_to_another_clients_receipt(app, client, key, router):
    _row, other = create_key("kabupaten-app", ["kalsel"], known_regions=["kalsel"])
    headers = {"Idempotency-Key": "kunci-bersama-000001"}
    mine = client.post(URL, data=form(key), headers=headers)
    theirs = client.post(URL, data=form(other), headers=headers)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    [a], [b] = mine.get_json(), theirs.get_json()
    assert a["service_request_id"] != b["service_request_id"] and a["token"] != b["token"]
    replay = client.post(URL, data=form(other), headers=headers)
    assert replay.status_code == 200 and replay.get_json()[0]["token"] == b["token"]


# --- what holds: media_url reaches nothing inside -------------------------------------------------


@pytest.fixture(scope="module")
def photo_host():
    server = PhotoHost().start()
    yield server
    server.stop()


def test_inside_addresses_in_every_spelling_are_refused_and_never_contacted(photo_host):
    photo_host.requests.clear()
    port = photo_host.port
    for url in (
        f"http://127.1:{port}/photo.jpg",
        f"http://0x7f000001:{port}/photo.jpg",
        f"http://2130706433:{port}/photo.jpg",
        f"http://0177.0.0.1:{port}/photo.jpg",
        f"http://[::1]:{port}/photo.jpg",
        f"http://[::ffff:127.0.0.1]:{port}/photo.jpg",
        f"http://[::ffff:7f00:1]:{port}/photo.jpg",
        f"http://0.0.0.0:{port}/photo.jpg",
        f"http://[fe80::1%lo]:{port}/photo.jpg",
    ):
        with pytest.raises(MediaRefused) as caught:
            fetch_photo(url, limits(allowed_networks=()))
        assert caught.value.reason == "refused-address", url
    # names a resolver may not know (a trailing dot, a percent-encoded zone id): never fetched
    for url in (f"http://localhost.:{port}/photo.jpg", f"http://[fe80::1%25lo]:{port}/a.jpg"):
        with pytest.raises(MediaRefused) as caught:
            fetch_photo(url, limits(allowed_networks=()))
        assert caught.value.reason in ("refused-address", "unfetchable"), url
    for url in (f"http://evil.example@127.0.0.1:{port}/photo.jpg", "http://a@[::1]/"):
        with pytest.raises(MediaRefused) as caught:
            fetch_photo(url, limits(allowed_networks=()))
        assert caught.value.reason == "bad-url"
    assert photo_host.requests == []


def test_a_redirect_to_another_scheme_is_refused(photo_host):
    for target in ("file:///etc/passwd", "gopher://127.0.0.1:70/_x", "ftp://127.0.0.1/a"):
        with pytest.raises(MediaRefused) as caught:
            fetch_photo(photo_host.url(f"/to?url={target}"), limits())
        assert caught.value.reason == "bad-url", target


def test_a_huge_pixel_image_is_refused_before_decoding(photo_host):
    with pytest.raises(MediaRefused) as caught:
        fetch_photo(photo_host.url("/photo.jpg"), limits(max_pixels=100))
    assert caught.value.reason == "too-many-pixels"


def test_a_photo_filed_by_url_is_served_without_its_metadata(
    app, client, key, staff, photo_host, monkeypatch, tmp_path
):
    """media_url -> stored -> verified -> /media/…: what a reader gets has no EXIF (GPS,
    maker), XMP, comment or profile of the phone that took it."""
    monkeypatch.setitem(
        app.config, "OPEN311_MEDIA_ALLOWED_NETWORKS", (ipaddress.ip_network("127.0.0.1/32"),)
    )
    pin_routing(app, monkeypatch, tmp_path, public_photos=True)
    filed = client.post(URL, data=form(key, media_url=photo_host.url("/photo.jpg")))
    assert filed.status_code == 201, filed.data
    [receipt] = filed.get_json()
    code = receipt["service_request_id"]
    assert client.get(f"{API}/media/{code}/1.jpg").status_code == 404  # not verified yet
    assert act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum").status_code == 303
    served = client.get(f"{API}/media/{code}/1.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    photo_samples.assert_clean_jpeg(served.data)
    assert b"PhoneMaker" not in served.data and b"GPS" not in served.data


# --- what holds: no 5xx, and XML that always parses -----------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"page": "999999999"},
        {"page": "0"},
        {"page_size": "0"},
        {"page_size": "-1"},
        {"page_size": "1" + "0" * 20},
        {"start_date": "9999-12-31T23:59:59+14:00"},
        {"start_date": "9999-12-31T23:59:59-14:00"},
        {"start_date": "0001-01-01"},
        {"end_date": "0001-01-01T00:00:00+14:00"},
        {"start_date": "2026-13-40"},
        {"start_date": "\x00"},
        {"service_request_id": "," * 100_000},
        {"service_request_id": "KSL-\x00"},
        {"service_code": "\uff17U2-G8M"},
        {"service_code": "7U2-G8M\x00"},
        {"status": "OPEN\x00"},
        {"jurisdiction_id": "kalsel\x00"},
        {"jurisdiction_id": "ＫＡＬＳＥＬ"},
        {"locale": "\x00"},
        {"service_request_id": "ＫＳＬ-ＡＡＡＡＡＡ"},
    ],
)
def test_no_query_makes_a_5xx_and_every_xml_answer_parses(client, query):
    published()
    for fmt in ("json", "xml"):
        got = client.get(f"{API}/requests.{fmt}", query_string=query)
        assert got.status_code in (200, 400, 404), (query, got.status_code, got.data[:200])
        if fmt == "xml":
            parses(got.data)
        else:
            json.loads(got.data)


def test_cdata_and_markup_in_stored_text_stay_text(client):
    nasty = "]]><![CDATA[<request><service_request_id>KSL-FAKE01</service_request_id>&amp;"
    case = published(title=nasty, location="<x/>")
    root = parses(client.get(f"{API}/requests/{case.tracking_code}.xml").data)
    assert root.findtext("request/description") == nasty
    assert [r.findtext("service_request_id") for r in root] == [case.tracking_code]


def test_no_form_makes_a_5xx(app, client, key):
    for extra in (
        {"service_code": "\x00"},
        {"service_code": "\uff17U2-G8M"},
        {"jurisdiction_id": "\x00"},
        {"lat": "1e999", "long": "nan"},
        {"lat": "-3.3\x00"},
        {"description": "\x00" * 30},
        {"address_id": "\x00"},
        {"email": "a@\x00.org"},
        {"attribute[incident_date]": "9999-12-31T23:59:59-14:00"},
        {"attribute[incident_date]": "0001-01-01T00:00:00+14:00"},
        {"attribute[category]": "\x00"},
        {"media_url": "http://[::1"},
    ):
        with Unchanged(app):
            response = client.post(URL, data=form(key, **extra))
        assert 400 <= response.status_code < 500, (extra, response.status_code, response.data)
    with Unchanged(app):
        xml = client.post(f"{API}/requests.xml", data=form(key, description="\uffff" * 3))
    assert xml.status_code == 400
    parses(xml.data)
    assert not db.session.scalars(select(ApiPost).where(ApiPost.outcome == "error")).all()
    assert stored()["Complaint"] == 0
    # an unknown locale is Indonesian, never an error
    assert client.post(URL, data=form(key, locale="\x00")).status_code == 201

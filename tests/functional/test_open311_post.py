"""POST /open311/v2/requests.{json,xml}: a client application files a report.

Real components throughout: keys made by `create_key`, the app's own database, the routing
file (a version with bounds where a test needs them), the abuse list, the outbox. Every
refusal is checked to have stored nothing (reports, photos, e-mails, phone messages,
uploaded files) and to have left an ApiPost row with its outcome.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.abuse.keys import list_key
from portal.abuse.services import Who, add_entry
from portal.complaints.models import Complaint, Photo
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.notifications.models import OutboxMessage
from portal.open311.keys import create_key, revoke_key
from portal.open311.models import ApiKey, ApiPost
from portal.photo_store import LocalPhotoStore

ULIN = "7U2-G8M"  # RSUD Ulin – Poli Umum – Pendaftaran (kalsel)
HST = "GNZ-C7W"  # RSUD Damanhuri – IGD – Pendaftaran IGD (hst)
URL = "/open311/v2/requests.json"
XML_URL = "/open311/v2/requests.xml"
DESCRIPTION = "Saya menunggu tiga jam di loket pendaftaran tanpa kejelasan nomor antrean."


def stored() -> dict[str, int]:
    db.session.expire_all()
    counts = {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Complaint, Photo, OutboxMessage, PhoneMessage)
    }
    return counts


def uploaded(app) -> int:
    folder = app.config["UPLOAD_FOLDER"]
    return sum(len(names) for _d, _s, names in os.walk(folder))


def posts() -> list[ApiPost]:
    db.session.expire_all()
    return list(db.session.execute(select(ApiPost).order_by(ApiPost.id)).scalars())


@pytest.fixture
def key(app, router) -> str:
    _row, plaintext = create_key(
        "kota-banjarmasin-app", ["kalsel"], known_regions=[r.id for r in router.regions]
    )
    return plaintext


def form(key: str, **overrides) -> dict[str, str]:
    data = {
        "api_key": key,
        "service_code": ULIN,
        "description": DESCRIPTION,
        "lat": "-3.3194",
        "long": "114.5907",
        "first_name": "Siti",
        "last_name": "Aminah",
        "email": "siti@example.org",
        "phone": "0812 3456 7890",
        "attribute[classification]": "complaint",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def xml_of(response) -> ET.Element:
    assert response.mimetype == "text/xml", response.data[:300]
    return ET.fromstring(response.data)  # noqa: S314 - the portal's own answer


def errors(response) -> list[dict]:
    assert response.mimetype == "application/json", response.data[:300]
    body = response.get_json()
    assert isinstance(body, list) and body, body
    return body


def descriptions(response) -> list[str]:
    return [e["description"] for e in errors(response)]


class Unchanged:
    """Asserts that a block stored no report, photo, message or file."""

    def __init__(self, app):
        self.app = app

    def __enter__(self):
        self.before = (stored(), uploaded(self.app))
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            assert (stored(), uploaded(self.app)) == self.before


# --- success ----------------------------------------------------------------------------------


def test_a_report_is_filed_routed_and_answered_in_json(app, client, key):
    response = client.post(URL, data=form(key))
    assert response.status_code == 201, response.data
    (item,) = response.get_json()
    assert set(item) == {"service_request_id", "token", "service_notice", "account_id"}
    assert item["account_id"] is None
    assert item["service_notice"].startswith("Laporan diterima. Batas waktu verifikasi: ")
    case = db.session.execute(
        select(Complaint).where(Complaint.tracking_code == item["service_request_id"])
    ).scalar_one()
    assert item["service_request_id"].startswith("KSL-")
    assert (case.channel, case.region_id, case.agency_id, case.unit_id) == (
        "api",
        "kalsel",
        "rsud-ulin",
        "poli-umum",
    )
    assert case.status == "new"
    assert case.verify_due is not None and case.followup_due is not None
    assert case.due_key == case.verify_due
    api_key = db.session.execute(select(ApiKey)).scalar_one()
    assert case.api_key_id == api_key.id and api_key.last_used_at is not None
    assert (case.latitude, case.longitude) == (-3.3194, 114.5907)
    assert case.reporter_name == "Siti Aminah" and case.reporter_email == "siti@example.org"
    assert case.title == DESCRIPTION[:150] and case.classification == "complaint"
    assert case.notify_via == "email" and case.locale == "id"
    (post,) = posts()
    assert (post.outcome, post.complaint_id, post.token) == ("created", case.id, item["token"])
    assert post.service_code == ULIN and post.detail is None
    receipts = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.complaint_id == case.id)
    ).scalars()
    assert "siti@example.org" in {m.recipient for m in receipts}  # the private link
    # no session cookie: the API is no browser
    assert "Set-Cookie" not in response.headers


def test_a_report_is_answered_in_xml(app, client, key):
    response = client.post(XML_URL, data=form(key, **{"locale": "en"}))
    assert response.status_code == 201, response.data
    assert response.mimetype == "text/xml"
    root = xml_of(response)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    code = request.findtext("service_request_id")
    assert code.startswith("KSL-") and request.findtext("token")
    assert request.findtext("service_notice").startswith("Report received. Verification due: ")
    assert request.find("account_id") is not None and request.findtext("account_id") == ""
    case = db.session.execute(select(Complaint).where(Complaint.tracking_code == code)).scalar_one()
    assert case.locale == "en"


def test_the_title_the_attributes_and_the_date_are_read(app, client, key):
    response = client.post(
        URL,
        data=form(
            key,
            description="Antrean macet sejak pagi\nSaya menunggu tiga jam di loket pendaftaran.",
            **{
                "attribute[classification]": "aspiration",
                "attribute[category]": "waktu-layanan",
                "attribute[incident_date]": "2026-11-30T23:30:00+00:00",  # 07:30 on 1 Dec WITA
                "address_string": "Jl. A. Yani Km 2, Banjarmasin",
                "address_id": "addr-77",
            },
        ),
    )
    assert response.status_code == 201, response.data
    case = db.session.execute(select(Complaint)).scalar_one()
    assert case.title == "Antrean macet sejak pagi"
    assert (case.classification, case.category) == ("aspiration", "waktu-layanan")
    assert case.incident_date.isoformat() == "2026-12-01"
    assert (case.location, case.address_id) == ("Jl. A. Yani Km 2, Banjarmasin", "addr-77")


def test_a_phone_only_citizen_gets_the_receipt_by_whatsapp(app, client, key):
    response = client.post(URL, data=form(key, email=None))
    assert response.status_code == 201, response.data
    case = db.session.execute(select(Complaint)).scalar_one()
    assert case.notify_via == "whatsapp"
    messages = db.session.execute(
        select(PhoneMessage).where(PhoneMessage.complaint_id == case.id)
    ).scalars()
    assert [(m.medium, m.kind) for m in messages] == [("whatsapp", "receipt")]


def test_anonim_stores_no_name_and_is_still_routed(app, client, key):
    response = client.post(URL, data=form(key, **{"attribute[anonymous]": "true"}))
    assert response.status_code == 201, response.data
    case = db.session.execute(select(Complaint)).scalar_one()
    assert case.anonymous is True and case.reporter_name is None
    assert (case.agency_id, case.unit_id, case.channel) == ("rsud-ulin", "poli-umum", "api")
    # without a name at all, too
    response = client.post(
        URL,
        data=form(
            key,
            first_name=None,
            last_name=None,
            description=DESCRIPTION + " Kedua.",
            **{"attribute[anonymous]": "TRUE"},
        ),
    )
    assert response.status_code == 201, response.data


def test_rahasia_is_stored_confidential(app, client, key):
    response = client.post(URL, data=form(key, **{"attribute[confidential]": "true"}))
    assert response.status_code == 201, response.data
    case = db.session.execute(select(Complaint)).scalar_one()
    assert case.confidential is True and case.anonymous is False


def test_a_matching_jurisdiction_is_accepted(app, client, key):
    assert client.post(URL, data=form(key, jurisdiction_id="kalsel")).status_code == 201
    lower = form(key, jurisdiction_id="KALSEL", service_code="7u2 g8m")
    assert client.post(URL, data=lower).status_code == 201


# --- the key ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_key_wrong_key_and_revoked_key_are_403(app, client, key, fmt):
    url = f"/open311/v2/requests.{fmt}"
    revoked_row, revoked = create_key("alte-app", ["kalsel"], known_regions=["kalsel"])
    revoke_key("alte-app")
    with Unchanged(app):
        # one character off the real key (a key ending in "A" gets a "B": never the key itself)
        near = key[:-1] + ("B" if key.endswith("A") else "A")
        for value in (None, "", "al311_" + "x" * 43, near, revoked, "' OR 1=1 --"):
            response = client.post(url, data=form(key, api_key=value))
            assert response.status_code == 403, (value, response.data)
            if fmt == "json":
                (error,) = errors(response)
                assert error["code"] == 403
                assert error["description"].startswith("api_key: ")
            else:
                root = xml_of(response)
                assert root.tag == "errors"
                assert root.findtext("error/code") == "403"
                assert root.findtext("error/description").startswith("api_key: ")
    outcomes = [(p.outcome, p.api_key_id) for p in posts()]
    assert outcomes == [("forbidden", None)] * 6
    assert revoked_row.last_used_at is None


def test_a_key_of_another_region_is_403(app, client, router):
    _row, hst_key = create_key("hst-app", ["hst"], known_regions=[r.id for r in router.regions])
    with Unchanged(app):
        response = client.post(URL, data=form(hst_key))
    assert response.status_code == 403
    assert descriptions(response)[0].startswith("api_key: ")
    (post,) = posts()
    assert (post.outcome, post.detail) == ("forbidden", "api_key:region")
    # the same key files in its own region
    response = client.post(
        URL,
        data=form(
            hst_key, service_code=HST, lat=None, long=None, address_string="IGD RSUD Damanhuri"
        ),
    )
    assert response.status_code == 201, response.data


def test_a_key_for_every_region_files_anywhere(app, client, router):
    _row, every = create_key("nasional-app", [], known_regions=[r.id for r in router.regions])
    assert client.post(URL, data=form(every)).status_code == 201
    response = client.post(
        URL, data=form(every, service_code=HST, lat=None, long=None, address_id="hst-1")
    )
    assert response.status_code == 201, response.data


# --- service code and jurisdiction ------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"service_code": "AAA-AAA"},
        {"service_code": ""},
        {"service_code": "x" * 500},
        {"service_code": "7U2-G8M\x00"},
        {"jurisdiction_id": "hst"},  # the service is in kalsel
        {"jurisdiction_id": "atlantis"},
    ],
)
def test_unknown_service_and_jurisdiction_mismatch_are_404(app, client, key, overrides):
    with Unchanged(app):
        response = client.post(URL, data=form(key, **overrides))
    assert response.status_code == 404, response.data
    (error,) = errors(response)
    field = "jurisdiction_id" if overrides.get("jurisdiction_id") == "atlantis" else "service_code"
    assert error["code"] == 404 and error["description"].startswith(f"{field}: ")
    (post,) = posts()
    assert post.outcome == "invalid" and len(post.service_code or "") <= 20


def test_an_unknown_format_is_404_in_xml(app, client, key):
    with Unchanged(app):
        response = client.post("/open311/v2/requests.html", data=form(key))
    assert response.status_code == 404
    assert xml_of(response).tag == "errors"


# --- intake problems --------------------------------------------------------------------------

PROBLEMS = [
    ({"description": None}, "description"),
    ({"description": "terlalu pendek"}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"description": "Antrean sangat lama\x00 sekali di loket pendaftaran."}, "description"),
    ({"email": "bukan-email"}, "email"),
    ({"phone": "12"}, "phone"),
    ({"first_name": None, "last_name": None}, "first_name"),
    ({"first_name": "S" * 200}, "first_name"),
    ({"email": None, "phone": None}, "phone"),
    ({"attribute[title]": "abc"}, "attribute[title]"),
    ({"attribute[classification]": "pujian"}, "attribute[classification]"),
    ({"attribute[category]": "tidak-ada"}, "attribute[category]"),
    ({"attribute[incident_date]": "2999-01-01"}, "attribute[incident_date]"),
    ({"attribute[incident_date]": "kemarin"}, "attribute[incident_date]"),
    ({"attribute[incident_date]": "1899-12-31"}, "attribute[incident_date]"),
    ({"attribute[anonymous]": "ya"}, "attribute[anonymous]"),
    ({"attribute[confidential]": "1"}, "attribute[confidential]"),
    ({"attribute[notify_via]": "telegram"}, "attribute[notify_via]"),
    ({"attribute[notify_via]": "email", "email": None}, "attribute[notify_via]"),
    ({"attribute[anonymus]": "true"}, "attribute[anonymus]"),
    ({"lat": None, "long": None}, "location"),
    ({"lat": "NaN"}, "lat"),
    ({"lat": "nan", "long": "inf"}, "lat"),
    ({"lat": "abc"}, "lat"),
    ({"long": "114,59"}, "long"),
    ({"lat": "-91"}, "lat"),
    ({"long": "181"}, "lat"),
    ({"long": None}, "long"),
    ({"lat": None}, "lat"),
    ({"address_id": "a" * 65, "lat": None, "long": None}, "address_id"),
    ({"address_string": "x" * 201}, "address_string"),
    ({"media_url": "ftp://example.org/foto.jpg"}, "media_url"),
]


@pytest.mark.parametrize(("overrides", "field"), PROBLEMS)
def test_every_intake_problem_is_a_400_naming_its_field(app, client, key, overrides, field):
    with Unchanged(app):
        response = client.post(URL, data=form(key, **overrides))
    assert response.status_code == 400, response.data
    found = errors(response)
    assert all(e["code"] == 400 for e in found)
    fields = [e["description"].split(": ", 1)[0] for e in found]
    assert field in fields, found
    assert len(fields) == len(set(fields))  # one error per field
    (post,) = posts()
    assert post.outcome == ("media" if field == "media_url" else "invalid")
    assert field in (post.detail or "")
    # the detail names fields only, never what was sent
    assert "Siti" not in (post.detail or "") and "@" not in (post.detail or "")


def test_several_problems_are_one_error_each_in_xml_and_in_english(app, client, key):
    with Unchanged(app):
        response = client.post(
            XML_URL,
            data=form(key, description="pendek", email="x@", lat="1e999", locale="en"),
        )
    assert response.status_code == 400
    root = xml_of(response)
    found = {
        e.findtext("description").split(": ", 1)[0]: e.findtext("description")
        for e in root.findall("error")
    }
    assert set(found) == {"description", "email", "lat"}
    assert {e.findtext("code") for e in root.findall("error")} == {"400"}
    assert found["lat"] == "lat: Latitude and longitude must be numbers."
    assert "characters" in found["description"]


def test_locale_in_the_url_words_the_errors_and_the_form_field_wins(app, client, key):
    """Clients put `locale` where the GETs take it, in the URL; the form field, as the spec
    has it, wins when both are sent."""
    with Unchanged(app):
        in_url = client.post(f"{URL}?locale=en", data=form(key, description="pendek"))
        both = client.post(f"{URL}?locale=en", data=form(key, description="pendek", locale="id"))
    assert in_url.status_code == both.status_code == 400
    assert in_url.json == [
        {"code": 400, "description": "description: The report text must be 20 to 5000 characters."}
    ]
    assert both.json[0]["description"] == "description: Isi laporan harus 20 sampai 5000 karakter."
    created = client.post(f"{URL}?locale=EN", data=form(key))
    assert created.status_code == 201, created.data
    assert created.json[0]["service_notice"].startswith("Report received")
    db.session.expire_all()
    case = db.session.execute(select(Complaint)).scalar_one()
    assert case.locale == "en"  # the receipt goes out in the language the client asked for


def test_a_bad_idempotency_key_is_a_400(app, client, key):
    for value in ("pendek", "x" * 65, "kunci dengan spasi!!", "ä" * 20):
        with Unchanged(app):
            response = client.post(
                URL, data=form(key), headers={"Idempotency-Key": value.encode().decode("latin-1")}
            )
        assert response.status_code == 400, value
        assert descriptions(response)[0].startswith("Idempotency-Key: ")


# --- bounds -----------------------------------------------------------------------------------


@pytest.fixture
def kalsel_bounds(app):
    """A routing version whose Kalimantan Selatan has a box around the province."""
    from portal.routing.models import SOURCE_FILE, RoutingVersion
    from portal.routing.versions import content_hash

    original = Path(app.config["ROUTING_FILE"]).read_text(encoding="utf-8")
    anchor = "    prefix: KSL\n"
    assert anchor in original
    text = original.replace(
        anchor, anchor + "    bounds: {south: -4.2, west: 114.3, north: -1.3, east: 116.6}\n", 1
    )
    for number, body in ((1, original), (2, text)):
        db.session.add(
            RoutingVersion(
                id=number,
                parent_id=number - 1 or None,
                text=body,
                content_hash=content_hash(body),
                author="test",
                source=SOURCE_FILE,
            )
        )
        db.session.flush()
    db.session.commit()
    from portal.routing.active import get_router

    assert get_router().region("kalsel").bounds is not None


def test_coordinates_outside_the_regions_bounds_are_refused(app, client, key, kalsel_bounds):
    with Unchanged(app):
        response = client.post(URL, data=form(key, lat="-6.2", long="106.8"))  # Jakarta
    assert response.status_code == 400
    assert descriptions(response) == ["lat: Lokasi ini berada di luar wilayah layanan."]
    assert client.post(URL, data=form(key)).status_code == 201  # Banjarmasin


# --- idempotency ------------------------------------------------------------------------------


def test_the_same_idempotency_key_replays_and_other_content_conflicts(app, client, key):
    header = {"Idempotency-Key": "kunci-uji-0123456789"}
    first = client.post(URL, data=form(key), headers=header)
    assert first.status_code == 201
    again = client.post(URL, data=form(key), headers=header)
    assert again.status_code == 200, again.data
    assert again.get_json() == first.get_json()
    xml = client.post(XML_URL, data=form(key), headers=header)
    assert xml.status_code == 200
    assert (
        xml_of(xml).findtext("request/service_request_id")
        == (first.get_json()[0]["service_request_id"])
    )
    with Unchanged(app):
        other = client.post(URL, data=form(key, description=DESCRIPTION + " Lagi."), headers=header)
    assert other.status_code == 409
    (error,) = errors(other)
    assert error["code"] == 409 and error["description"].startswith("Idempotency-Key: ")
    assert first.get_json()[0]["service_request_id"] not in other.get_data(as_text=True)
    assert [p.outcome for p in posts()] == ["created", "replay", "replay", "invalid"]
    assert stored()["Complaint"] == 1
    # without the header, the same content is a new report each time
    assert client.post(URL, data=form(key)).status_code == 201
    assert stored()["Complaint"] == 2


def test_two_clients_with_the_same_idempotency_key_get_two_reports(app, client, key, router):
    _row, other = create_key("kabupaten-app", ["kalsel"], known_regions=["kalsel", "hst"])
    header = {"Idempotency-Key": "sama-untuk-semua-0001"}
    a = client.post(URL, data=form(key), headers=header)
    b = client.post(URL, data=form(other), headers=header)
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.get_json()[0]["service_request_id"] != b.get_json()[0]["service_request_id"]


# --- abuse list and storage -------------------------------------------------------------------


def test_the_abuse_list_refuses_or_quarantines(app, client, key):
    who = Who(None, "admin@example.org")
    add_entry(list_key(), "kalsel", "phone", "0812 3456 7890", "refuse", "spam berulang", who)
    with Unchanged(app):
        response = client.post(URL, data=form(key))
    assert response.status_code == 403
    assert descriptions(response)[0].startswith("request: ")
    add_entry(list_key(), "kalsel", "email", "ani@example.org", "quarantine", "periksa", who)
    response = client.post(URL, data=form(key, phone=None, email="ani@example.org"))
    assert response.status_code == 201
    case = db.session.execute(select(Complaint)).scalar_one()
    assert case.status == "quarantined"
    assert stored()["OutboxMessage"] == 0  # nobody hears of a quarantined report
    assert [p.outcome for p in posts()] == ["refused", "created"]


def test_a_storage_failure_is_503_with_retry_after_and_stores_nothing(
    app, client, key, tmp_path, monkeypatch
):
    from tests.functional.open311_peers import PhotoHost

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder should be")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(blocker / "uploads"))
    monkeypatch.setitem(app.extensions, "photo_store", LocalPhotoStore(str(blocker / "uploads")))
    monkeypatch.setitem(app.config, "OPEN311_MEDIA_ALLOWED_NETWORKS", (_loopback(),))
    host = PhotoHost().start()
    try:
        before = stored()
        response = client.post(URL, data=form(key, media_url=host.url("/photo.jpg")))
    finally:
        host.stop()
    assert response.status_code == 503, response.data
    assert response.headers["Retry-After"] == "600"
    assert descriptions(response)[0].startswith("media_url: ")
    assert stored() == before
    assert [p.outcome for p in posts()] == ["error"]


def _loopback():
    import ipaddress

    return ipaddress.ip_network("127.0.0.1/32")


# --- rate limits ------------------------------------------------------------------------------


def test_posts_are_limited_per_key(limited, router, key):
    app = limited(RATELIMIT_OPEN311_POST_PER_KEY="3 per minute")
    _row, other = create_key("kabupaten-app", ["kalsel"], known_regions=["kalsel"])
    client = app.test_client()
    answers = [
        client.post(URL, data=form(key, description=f"{DESCRIPTION} Nomor {i}.")).status_code
        for i in range(5)
    ]
    assert answers == [201, 201, 201, 429, 429]
    refused = client.post(XML_URL, data=form(key, description=DESCRIPTION + " Enam."))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert xml_of(refused).findtext("error/code") == "429"
    assert xml_of(refused).findtext("error/description").startswith("api_key: ")
    # another application is not held back by the first one's flood
    assert client.post(URL, data=form(other, description=DESCRIPTION + " Lain.")).status_code == 201
    assert stored()["Complaint"] == 4
    outcomes = [p.outcome for p in posts()]
    assert outcomes.count("rate-limited") == 3 and outcomes.count("created") == 4


def test_the_same_text_limit_applies_but_not_the_per_address_one(limited, key):
    app = limited(
        RATELIMIT_REPORT_SAME_TEXT="1 per hour", RATELIMIT_REPORT_PER_SESSION="2 per hour"
    )
    client = app.test_client()
    assert client.post(URL, data=form(key)).status_code == 201
    again = client.post(URL, data=form(key))
    assert again.status_code == 429
    assert descriptions(again)[0].startswith("request: ")
    # one server filing for many citizens: more than the per-browser budget gets through
    answers = [
        client.post(URL, data=form(key, description=f"{DESCRIPTION} Warga {i}.")).status_code
        for i in range(4)
    ]
    assert answers == [201] * 4


def test_a_replay_is_not_counted_as_the_same_text_again(limited, key):
    app = limited(RATELIMIT_REPORT_SAME_TEXT="1 per hour")
    client = app.test_client()
    header = {"Idempotency-Key": "ulang-kirim-000000001"}
    assert client.post(URL, data=form(key), headers=header).status_code == 201
    assert client.post(URL, data=form(key), headers=header).status_code == 200
    assert json.loads(client.post(URL, data=form(key), headers=header).data)[0]["token"]


def test_a_post_refused_for_its_photo_spends_no_same_text_budget(limited, key, monkeypatch):
    """A client sends the same report again with a working media_url: the refusals before
    were no flood (the text's budget, 1 an hour here, is still whole)."""
    from tests.functional.open311_peers import PhotoHost

    app = limited(RATELIMIT_REPORT_SAME_TEXT="1 per hour")
    monkeypatch.setitem(app.config, "OPEN311_MEDIA_ALLOWED_NETWORKS", (_loopback(),))
    client = app.test_client()
    host = PhotoHost().start()
    try:
        for bad in ("/fake.jpg", "/page.html", "/missing.jpg"):
            refused = client.post(URL, data=form(key, media_url=host.url(bad)))
            assert refused.status_code == 400, refused.data
            assert descriptions(refused)[0].startswith("media_url: ")
        filed = client.post(URL, data=form(key, media_url=host.url("/photo.jpg")))
        again = client.post(URL, data=form(key, media_url=host.url("/photo.jpg")))
    finally:
        host.stop()
    assert filed.status_code == 201, filed.data
    assert again.status_code == 429  # and the budget does count what was filed
    assert [p.outcome for p in posts()] == ["media"] * 3 + ["created", "rate-limited"]


def test_a_flood_of_unknown_attributes_is_answered_in_a_few_lines(app, client, key):
    junk = {f"attribute[x{i}]": "1" for i in range(500)}
    with Unchanged(app):
        response = client.post(URL, data=form(key, **junk))
    assert response.status_code == 400
    assert len(errors(response)) == 10


def test_while_the_database_is_down_a_post_gets_the_apps_503(tmp_path):
    """Nothing to check a key against: the app's outage answer (503, Retry-After), which
    the Open311 error hooks put in GeoReport's format."""
    from tests.functional.test_outage_pages import closed_port_url, environ

    down = create_app(environ=environ(tmp_path, closed_port_url()))
    response = down.test_client().post(URL, data=form("al311_" + "A" * 43))
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0

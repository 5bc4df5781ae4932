"""Open311 GeoReport v2, reading: discovery, services, definitions, requests, tokens, photos,
every answer in JSON (checked against the spec's schemas) and XML (checked against the
JSON), every bad parameter refused with a GeoReport error."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge

from portal import create_app
from portal.complaints import status as s
from portal.extensions import db
from portal.open311.models import ApiPost
from portal.routing.models import SOURCE_FILE, RoutingVersion
from portal.routing.versions import content_hash
from portal.timeutil import utcnow
from qr.shortcode import format_code
from tests.functional.open311_helpers import (
    API,
    both,
    errors_of,
    pin_routing,
    published,
    same_as_json,
    with_photo,
)

ULIN = ("rsud-ulin", "poli-umum", "pendaftaran")


def point_code(router, agency, unit, service) -> str:
    return format_code(router.find_service_point(agency, unit, service).short_code)


# --- discovery -------------------------------------------------------------------------------


def test_discovery_lists_the_endpoint_and_every_jurisdiction(client, router):
    found = both(client, "/discovery", "discovery")
    assert found["changeset"] == "2026-01-01T00:00:00+00:00"  # no stored routing version yet
    [endpoint] = found["endpoints"]
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert [j["jurisdiction_id"] for j in found["jurisdictions"]] == [r.id for r in router.regions]
    assert all(not j["public_text"] and not j["public_photos"] for j in found["jurisdictions"])
    assert "admin daerah" in found["key_service"]
    english = client.get(f"{API}/discovery.json?locale=en").get_json()
    assert "regional admin" in english["key_service"]


def test_discovery_changeset_is_when_the_active_routing_was_stored(client, app):
    text = Path(app.config["ROUTING_FILE"]).read_text(encoding="utf-8")
    stored = datetime(2026, 11, 30, 2, 3, 4, tzinfo=UTC)
    db.session.add(
        RoutingVersion(
            id=1,
            text=text,
            content_hash=content_hash(text),
            author="test",
            source=SOURCE_FILE,
            created_at=stored,
        )
    )
    db.session.commit()
    found = both(client, "/discovery", "discovery")
    assert found["changeset"] == found["endpoints"][0]["changeset"] == "2026-11-30T02:03:04+00:00"


def test_discovery_shows_a_regions_publication_flags(client, app, monkeypatch, tmp_path):
    pin_routing(app, monkeypatch, tmp_path, public_text=True, public_photos=True)
    flags = {
        j["jurisdiction_id"]: (j["public_text"], j["public_photos"])
        for j in both(client, "/discovery", "discovery")["jurisdictions"]
    }
    assert flags["kalsel"] == (True, True) and flags["hst"] == (False, False)


# --- services --------------------------------------------------------------------------------


def test_services_list_every_service_point_in_file_order(client, router):
    found = both(client, "/services", "services")
    points = list(router.service_points())
    assert [x["service_code"] for x in found] == [format_code(p.short_code) for p in points]
    ulin = next(x for x in found if x["keywords"] == "kalsel,rsud-ulin,poli-umum,pendaftaran")
    assert ulin == {
        "service_code": point_code(router, *ULIN),
        "service_name": "Pendaftaran Pasien \u2013 Poli Umum",
        "description": "Pendaftaran Pasien, Poli Umum, RSUD Ulin Banjarmasin, "
        "Provinsi Kalimantan Selatan",
        "metadata": True,
        "type": "realtime",
        "keywords": "kalsel,rsud-ulin,poli-umum,pendaftaran",
        "group": "RSUD Ulin Banjarmasin",
        "jurisdiction_id": "kalsel",
    }


def test_services_of_one_jurisdiction(client, router):
    found = both(client, "/services", "services", jurisdiction_id="hst")
    assert found and {x["jurisdiction_id"] for x in found} == {"hst"}
    assert len(found) == sum(1 for p in router.service_points() if p.region.id == "hst")
    assert both(client, "/services", "services", jurisdiction_id="HST") == found


def test_unknown_jurisdiction_is_a_404_everywhere(client):
    for path in ("/services", "/requests", "/services/7U2-G8M", "/requests/KSL-AAAAAA"):
        [error] = errors_of(client, path, 404, jurisdiction_id="atlantis")
        assert error == {"code": 404, "description": "jurisdiction_id: daerah tidak dikenal"}
    [error] = errors_of(client, "/services", 404, jurisdiction_id="atlantis", locale="en")
    assert error["description"] == "jurisdiction_id: unknown jurisdiction"


# --- service definitions ---------------------------------------------------------------------


def test_service_definition_lists_the_attributes_in_order(client, router):
    code = point_code(router, *ULIN)
    found = both(client, f"/services/{code}", "service_definition")
    assert found["service_code"] == code
    assert [a["code"] for a in found["attributes"]] == [
        "classification",
        "title",
        "category",
        "incident_date",
        "anonymous",
        "confidential",
        "notify_via",
    ]
    assert [a["order"] for a in found["attributes"]] == list(range(1, 8))
    assert all(a["variable"] and not a["required"] for a in found["attributes"])
    by_code = {a["code"]: a for a in found["attributes"]}
    assert by_code["classification"]["values"] == [
        {"key": "complaint", "name": "Pengaduan"},
        {"key": "aspiration", "name": "Aspirasi"},
        {"key": "information", "name": "Permintaan Informasi"},
    ]
    assert [v["key"] for v in by_code["category"]["values"]] == [c.id for c in router.categories]
    assert [v["key"] for v in by_code["notify_via"]["values"]] == ["email", "whatsapp", "sms"]
    assert [v["key"] for v in by_code["confidential"]["values"]] == ["true", "false"]
    assert by_code["title"]["datatype"] == "string"
    assert by_code["incident_date"]["datatype"] == "datetime"


def test_service_definition_in_english(client, router):
    code = point_code(router, *ULIN)
    found = both(client, f"/services/{code}", "service_definition", locale="en")
    by_code = {a["code"]: a for a in found["attributes"]}
    assert by_code["classification"]["values"][2]["name"] == "Information request"
    assert by_code["confidential"]["datatype_description"].startswith("true: the report never")
    # anything but id/en is Indonesian, and Accept-Language is ignored
    odd = client.get(
        f"{API}/services/{code}.json?locale=fr", headers={"Accept-Language": "en"}
    ).get_json()
    assert odd["attributes"][0]["values"][0]["name"] == "Pengaduan"


def test_notify_via_offers_only_the_regions_channels(client, router):
    region = next(r for r in router.regions if not r.whatsapp and not r.sms)
    point = next(p for p in router.service_points() if p.region.id == region.id)
    found = both(client, f"/services/{format_code(point.short_code)}", "service_definition")
    assert [v["key"] for v in found["attributes"][6]["values"]] == ["email"]


def test_a_service_code_typed_any_way_answers_with_the_printed_code(client, router):
    code = point_code(router, *ULIN)
    typed = code.replace("-", "").lower()
    assert both(client, f"/services/{typed}", "service_definition")["service_code"] == code


def test_unknown_or_foreign_service_codes_are_404(client, router):
    errors_of(client, "/services/AAAAAA", 404)
    errors_of(client, "/services/not-a-code", 404)
    code = point_code(router, *ULIN)
    [error] = errors_of(client, f"/services/{code}", 404, jurisdiction_id="hst")
    assert error["description"] == "service_code: kode layanan tidak dikenal"
    assert both(client, f"/services/{code}", "service_definition", jurisdiction_id="kalsel")


# --- requests --------------------------------------------------------------------------------


def test_a_published_request_in_both_formats(client, router):
    when = datetime(2026, 12, 1, 1, 2, 3, 456, tzinfo=UTC)
    case = published(submitted_at=when, due=datetime(2026, 12, 18).date())
    [found] = both(client, f"/requests/{case.tracking_code}", "requests")
    assert found == {
        "service_request_id": case.tracking_code,
        "status": "open",
        "status_notes": None,
        "service_name": "Pendaftaran Pasien \u2013 Poli Umum",
        "service_code": point_code(router, *ULIN),
        "description": "Antrean pendaftaran lama",
        "agency_responsible": "RSUD Ulin Banjarmasin",
        "service_notice": "Terverifikasi / terdisposisi",
        "requested_datetime": "2026-12-01T09:02:03+08:00",
        "updated_datetime": "2026-12-01T09:02:03+08:00",
        "expected_datetime": "2026-12-18T23:59:59+08:00",
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
        "jurisdiction_id": "kalsel",
    }
    lower = client.get(f"{API}/requests/{case.tracking_code.lower()}.json").get_json()
    assert lower == [found]
    english = client.get(f"{API}/requests/{case.tracking_code}.json?locale=en").get_json()
    assert english[0]["service_notice"] == "Verified / assigned"


def test_closed_and_held_requests_have_no_expected_time(client):
    closed = published(status=s.CLOSED, closed_at=utcnow())
    held = published(status=s.ON_HOLD)
    for case, status in ((closed, "closed"), (held, "open")):
        [found] = both(client, f"/requests/{case.tracking_code}", "requests")
        assert found["status"] == status and found["expected_datetime"] is None


def test_unknown_request_ids_are_404(client):
    for code in ("KSL-AAAAAA", "nonsense", "KSL-AAAAAA.json"):
        [error] = errors_of(client, f"/requests/{code}", 404)
        assert error["description"] == "service_request_id: tidak ditemukan"


def test_a_request_of_another_jurisdiction_is_404(client):
    case = published()
    errors_of(client, f"/requests/{case.tracking_code}", 404, jurisdiction_id="hst")
    assert both(client, f"/requests/{case.tracking_code}", "requests", jurisdiction_id="kalsel")


def codes(found) -> list[str]:
    return [x["service_request_id"] for x in found]


def test_the_list_is_newest_first_within_the_last_90_days_by_default(client):
    now = utcnow()
    old = published(submitted_at=now - timedelta(days=91))
    recent = [published(submitted_at=now - timedelta(days=d)) for d in (30, 1, 60)]
    found = both(client, "/requests", "requests")
    assert codes(found) == [
        recent[1].tracking_code,
        recent[0].tracking_code,
        recent[2].tracking_code,
    ]
    assert old.tracking_code not in codes(found)
    since = (now - timedelta(days=100)).isoformat()
    assert old.tracking_code in codes(both(client, "/requests", "requests", start_date=since))


def test_the_list_filters_by_dates(client):
    base = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)
    cases = [published(submitted_at=base + timedelta(days=d)) for d in range(5)]
    found = both(
        client,
        "/requests",
        "requests",
        start_date="2026-11-11T12:00:00+08:00",  # 04:00 UTC: the second case, to the second
        end_date="2026-11-13T04:00:00Z",
    )
    assert codes(found) == [c.tracking_code for c in reversed(cases[1:4])]
    only_end = both(client, "/requests", "requests", end_date="2026-11-10T04:00:00Z")
    assert codes(only_end) == [cases[0].tracking_code]


def test_an_offset_plus_typed_unencoded_still_reads_as_the_offset(client):
    """`+08:00` pasted into a URL arrives as a space; it means the offset, not a 400."""
    base = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)
    cases = [published(submitted_at=base + timedelta(days=d)) for d in range(3)]
    found = client.get(
        f"{API}/requests.json?start_date=2026-11-11T12:00:00+08:00&end_date=2026-11-12T12:00:00+08:00"
    )
    assert found.status_code == 200, found.data
    assert codes(found.json) == [c.tracking_code for c in reversed(cases[1:3])]
    [error] = errors_of(client, "/requests", 400, start_date="2026-11-11T12:00:00 xx")
    assert error["description"].startswith("start_date: bukan tanggal-waktu ISO 8601")


def test_the_list_filters_by_status_and_service_code(client, router):
    verified = published()
    closed = published(status=s.CLOSED)
    igd = published(unit="igd", service="pendaftaran-igd")
    assert codes(both(client, "/requests", "requests", status="closed")) == [closed.tracking_code]
    opened = codes(both(client, "/requests", "requests", status="open"))
    assert opened == [igd.tracking_code, verified.tracking_code]
    assert len(both(client, "/requests", "requests", status="open,closed")) == 3
    ulin = point_code(router, *ULIN)
    assert codes(both(client, "/requests", "requests", service_code=ulin)) == [
        closed.tracking_code,
        verified.tracking_code,
    ]
    both_codes = ulin + "," + point_code(router, "rsud-ulin", "igd", "pendaftaran-igd").lower()
    assert len(both(client, "/requests", "requests", service_code=both_codes)) == 3
    errors_of(client, "/requests", 404, service_code="AAAAAA")
    errors_of(client, "/requests", 404, service_code=ulin, jurisdiction_id="hst")


def test_the_list_by_request_ids_ignores_the_other_filters(client):
    old = published(submitted_at=utcnow() - timedelta(days=400), status=s.CLOSED)
    new = published()
    found = both(
        client,
        "/requests",
        "requests",
        service_request_id=f"{old.tracking_code}, {new.tracking_code.lower()},KSL-AAAAAA",
        status="open",
        service_code="AAAAAA",
    )
    assert sorted(codes(found)) == sorted([old.tracking_code, new.tracking_code])
    # ...but not the jurisdiction
    none = both(
        client, "/requests", "requests", service_request_id=new.tracking_code, jurisdiction_id="hst"
    )
    assert none == []


def test_the_list_of_one_jurisdiction(client):
    kalsel = published()
    hst = published(agency="rsud-damanhuri", unit="igd")
    assert codes(both(client, "/requests", "requests", jurisdiction_id="hst")) == [
        hst.tracking_code
    ]
    assert codes(both(client, "/requests", "requests", jurisdiction_id="kalsel")) == [
        kalsel.tracking_code
    ]


def test_the_list_pages(client):
    now = utcnow()
    cases = [published(submitted_at=now - timedelta(hours=h)) for h in range(5)]
    newest_first = [c.tracking_code for c in cases]
    pages = [
        codes(both(client, "/requests", "requests", page_size="2", page=str(p)))
        for p in (1, 2, 3, 4)
    ]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:], []]
    assert codes(both(client, "/requests", "requests", page_size="1000")) == newest_first


@pytest.mark.parametrize(
    ("query", "description"),
    [
        ({"page": "0"}, "page: paling kecil 1"),
        ({"page": "-1"}, "page: harus bilangan bulat positif"),
        ({"page": "x"}, "page: harus bilangan bulat positif"),
        ({"page": ""}, "page: harus bilangan bulat positif"),
        ({"page": "1.5"}, "page: harus bilangan bulat positif"),
        ({"page": "\u0661"}, "page: harus bilangan bulat positif"),  # an Arabic-Indic one
        ({"page_size": "1001"}, "page_size: harus 1 sampai 1000"),
        ({"page_size": "0"}, "page_size: harus 1 sampai 1000"),
        ({"status": "pending"}, "status: gunakan open atau closed, bukan pending"),
        ({"start_date": "kemarin"}, "start_date: bukan tanggal-waktu ISO 8601"),
        ({"end_date": "2026-13-01"}, "end_date: bukan tanggal-waktu ISO 8601"),
        ({"start_date": ""}, "start_date: bukan tanggal-waktu ISO 8601"),
        (
            {"start_date": "2026-12-02T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"},
            "end_date: harus sesudah start_date",
        ),
        ({"service_request_id": "KSL-0O0O0O"}, "service_request_id: bukan nomor pelacakan"),
        ({"service_request_id": ",".join(["KSL-AAAAAA"] * 101)}, "service_request_id: paling"),
        ({"service_code": "K7Q-3M"}, "service_code: bukan kode layanan: K7Q-3M"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(client, query, description):
    published()
    [error] = errors_of(client, "/requests", 400, **query)
    assert error["code"] == 400 and error["description"].startswith(description)


def test_every_bad_parameter_is_named_at_once_in_the_asked_language(client):
    found = errors_of(client, "/requests", 400, page="0", status="x", start_date="?", locale="en")
    assert [e["description"] for e in found] == [
        "status: use open or closed, not x",
        "start_date: not an ISO 8601 date-time (e.g. 2026-12-03T08:00:00+08:00)",
        "page: at least 1",
    ]


# --- tokens ----------------------------------------------------------------------------------


def test_a_token_gives_the_tracking_code_of_its_post(client):
    case = published()
    token = uuid.uuid4().hex
    db.session.add(ApiPost(outcome="created", complaint_id=case.id, token=token))
    db.session.add(ApiPost(outcome="invalid", token="refused-" + token[:20]))
    db.session.commit()
    found = both(client, f"/tokens/{token}", "tokens")
    assert found == [{"token": token, "service_request_id": case.tracking_code}]
    errors_of(client, "/tokens/refused-" + token[:20], 404)  # a POST that made nothing
    errors_of(client, "/tokens/unknown", 404)
    errors_of(client, "/tokens/" + "x" * 300, 404)
    errors_of(client, f"/tokens/%00{token}", 404)  # a NUL never reaches PostgreSQL
    errors_of(client, f"/tokens/{token}%0A", 404)


# --- photos ----------------------------------------------------------------------------------


def test_photos_of_a_published_case_where_the_region_publishes_them(
    client, app, monkeypatch, tmp_path
):
    pin_routing(app, monkeypatch, tmp_path, public_photos=True)
    case = published()
    first = with_photo(case, (200, 0, 0))
    second = with_photo(case, (0, 200, 0))
    [found] = both(client, f"/requests/{case.tracking_code}", "requests")
    assert found["media_url"] == f"http://localhost{API}/media/{case.tracking_code}/1.jpg"
    for n, data in ((1, first), (2, second)):
        got = client.get(f"{API}/media/{case.tracking_code}/{n}.jpg")
        assert got.status_code == 200 and got.data == data
        assert got.mimetype == "image/jpeg"
        assert got.headers["Cache-Control"].startswith("public")
    for n in (0, 3):
        missing = client.get(f"{API}/media/{case.tracking_code}/{n}.jpg")
        assert missing.status_code == 404 and missing.mimetype == "text/xml"
        expected = [{"code": 404, "description": "media: tidak ditemukan"}]
        same_as_json(missing.data, "errors", expected)
    huge = client.get(f"{API}/media/{case.tracking_code}/99999999999.jpg")
    assert huge.status_code == 404 and huge.mimetype == "text/xml"
    assert client.get(f"{API}/media/{case.tracking_code}/1.png").status_code == 404


def test_no_photos_where_the_region_does_not_publish_them(client):
    case = published()
    with_photo(case)
    [found] = both(client, f"/requests/{case.tracking_code}", "requests")
    assert found["media_url"] is None
    assert client.get(f"{API}/media/{case.tracking_code}/1.jpg").status_code == 404


def test_a_photo_whose_file_is_gone_is_a_404(client, app, monkeypatch, tmp_path):
    from portal.complaints.storage import blob_path

    pin_routing(app, monkeypatch, tmp_path, public_photos=True)
    case = published()
    with_photo(case)
    blob_path(app.config["UPLOAD_FOLDER"], case.photos[0].storage_key).unlink()
    assert client.get(f"{API}/media/{case.tracking_code}/1.jpg").status_code == 404


# --- the portal's own errors under /open311/ --------------------------------------------------


def test_unknown_urls_and_suffixes_answer_in_georeport_format(client):
    [error] = errors_of(client, "/nothing-here", 404)
    assert error == {"code": 404, "description": "alamat ini tidak ada di API Open311"}
    for path in ("/services.html", "/services.JSON.txt", "/services", "/", ""):
        got = client.get(f"{API}{path}")
        assert got.status_code == 404 and got.mimetype == "text/xml", path
        same_as_json(got.data, "errors", [{"code": 404, "description": _one(got.data)}])
    # everywhere else the HTML page stays
    page = client.get("/no-such-page.json")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_an_unknown_suffix_is_worded_in_the_asked_language(client):
    for method in ("get", "post"):
        call = getattr(client, method)
        default = call(f"{API}/requests.csv")
        english = call(f"{API}/requests.csv?locale=en")
        assert default.status_code == english.status_code == 404
        assert _one(default.data) == "format tidak didukung: pakai .json atau .xml"
        assert _one(english.data) == "format not supported: use .json or .xml"


def _one(body: bytes) -> str:
    return ET.fromstring(body).find("error/description").text  # noqa: S314 - our own output


def test_a_wrong_method_is_405_with_allow(client):
    [error] = errors_of(client, "/services", 405, method="DELETE")
    assert error["code"] == 405
    got = client.put(f"{API}/discovery.json")
    assert got.status_code == 405 and "GET" in got.headers["Allow"]
    assert client.delete("/").mimetype == "text/html"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (RequestEntityTooLarge(), 413),
        (InternalServerError(), 500),
        (OperationalError("SELECT 1", {}, ConnectionRefusedError()), 503),
    ],
)
def test_too_large_failure_and_database_down_answer_in_georeport_format(app, error, status):
    for suffix, mimetype in ((".json", "application/json"), (".xml", "text/xml"), ("", "text/xml")):
        with app.test_request_context(f"{API}/requests{suffix}?locale=en"):
            response = app.make_response(app.handle_user_exception(error))
        assert response.status_code == status and response.mimetype == mimetype
        if status == 503:
            assert response.headers["Retry-After"] == "30"
    with app.test_request_context("/lacak"):
        page = app.make_response(app.handle_user_exception(error))
    assert page.status_code == status and page.mimetype == "text/html"


# --- rate limit ------------------------------------------------------------------------------


def test_every_get_is_limited_per_address_with_a_georeport_429(limited):
    limited_app = limited(RATELIMIT_OPEN311_READ_PER_ADDRESS="3 per minute")
    client = limited_app.test_client()
    paths = ["/services.json", "/discovery.xml", "/requests/KSL-AAAAAA.json"]
    assert [client.get(API + p).status_code for p in paths] == [200, 200, 404]
    refused = client.get(f"{API}/requests.json")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    [error] = refused.get_json()
    assert error["code"] == 429 and "Retry-After" in error["description"]
    as_xml = client.get(f"{API}/services.xml")
    assert as_xml.status_code == 429 and as_xml.mimetype == "text/xml"
    other = limited_app.test_client()
    elsewhere = other.get(f"{API}/services.json", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert elsewhere.status_code == 200
    # the limit is the API's own: the citizen pages of the same address still answer
    assert client.get("/").status_code == 200


def test_a_database_outage_is_a_georeport_503_with_retry_after(test_environ, tmp_path):
    """A real outage: PostgreSQL on a port where nothing listens (refused at once)."""
    from tests.pgcluster import free_port

    env = {
        **test_environ,
        "DATABASE_URL": f"postgresql://root@127.0.0.1:{free_port()}/x",
        "INSTANCE_PATH": str(tmp_path),
    }
    down = create_app(environ=env)
    client = down.test_client()
    for path in ("/requests.json", "/discovery.json", "/requests/KSL-AAAAAA.xml", "/services.xml"):
        got = client.get(f"{API}{path}?locale=en")
        assert got.status_code == 503, (path, got.data[:200])
        assert got.headers["Retry-After"] == "30" and got.headers["Cache-Control"] == "no-store"
        if path.endswith(".json"):
            [error] = got.get_json()
            assert error["code"] == 503 and "try again shortly" in error["description"]
        else:
            assert got.mimetype == "text/xml"
    assert client.get("/lacak/KSL-AAAAAA").mimetype == "text/html"

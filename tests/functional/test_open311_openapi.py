"""The OpenAPI document at /open311/v2/openapi.json stays true: it is valid OpenAPI 3, it
names exactly the Open311 URL rules the app has (with their methods), and real answers of
every endpoint, in both formats and for errors too, match its response schemas."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec

from portal.complaints.queries import by_tracking_code
from portal.open311.blueprint import PREFIX
from tests import open311_seed
from tests.functional.open311_helpers import pin_routing, with_photo

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # Flask answers them for every rule by itself
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
XML_ROOTS = {
    "Discovery": "discovery",
    "Services": "services",
    "ServiceDefinition": "service_definition",
    "ServiceRequests": "service_requests",
    "ServiceRequestCreated": "service_requests",
    "Tokens": "service_requests",
    "Errors": "errors",
}


def shape(path: str) -> str:
    """A Flask rule or a document's path with its parameters unnamed: `/requests/{}.{}`
    (the document may call a parameter what GeoReport calls it)."""
    return re.sub(r"<[^>]*>|\{[^}]*\}", "{}", path)


def document(client) -> dict:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3(client, router):
    doc = document(client)
    validate_spec(doc)  # raises on any violation of the OpenAPI 3.0 schema and rules
    assert doc["openapi"].startswith("3.0")
    parameters = doc["components"]["parameters"]
    assert parameters["jurisdiction_id"]["schema"]["enum"] == [r.id for r in router.regions]
    assert parameters["format"]["schema"]["enum"] == ["json", "xml"]


def test_every_open311_rule_is_documented_and_nothing_else(app, client):
    rules = {
        (shape(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in rule.methods - IGNORED_METHODS
    }
    documented = {
        (shape(path), method)
        for path, item in document(client)["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert rules, "no Open311 rule registered"
    assert rules - documented == set(), "URL rules missing from the OpenAPI document"
    assert documented - rules == set(), "documented operations the app does not serve"


def test_every_path_parameter_is_declared(client):
    doc = document(client)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            names = {
                _resolve(doc, p)["name"]
                for p in operation.get("parameters", [])
                if _resolve(doc, p)["in"] == "path"
            }
            assert names == set(re.findall(r"\{(\w+)\}", path)), (method, path)
            assert "500" not in operation["responses"], (method, path)


def test_the_document_is_cacheable_and_revalidates(client):
    first = client.get(f"{PREFIX}/openapi.json")
    assert first.status_code == 200
    assert "public" in first.headers["Cache-Control"] and first.headers["ETag"]
    again = client.get(f"{PREFIX}/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    stale = client.get(f"{PREFIX}/openapi.json", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.data == first.data


# --- real answers against the document's schemas ---------------------------------------------


def _resolve(doc: dict, item: dict) -> dict:
    while "$ref" in item:
        node = doc
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        item = node
    return item


def _response_schema(doc: dict, path: str, method: str, status: int) -> dict:
    answer = doc["paths"][path][method]["responses"][str(status)]
    return answer["content"]["application/json"]["schema"]


def check(doc: dict, client, method: str, path: str, url: str, status: int, **kwargs):
    """Send the request in JSON and XML; the JSON must match the documented schema, the XML
    must be well-formed with GeoReport's root element. Returns the JSON body."""
    found = {}
    for fmt in ("json", "xml"):
        response = client.open(url.replace("{format}", fmt), method=method.upper(), **kwargs)
        assert response.status_code == status, (url, fmt, response.status_code, response.data)
        schema = _response_schema(doc, path, method, status)
        if fmt == "json":
            assert response.mimetype == "application/json"
            body = response.get_json()
            validator = OAS30Validator(
                {**schema, "components": doc["components"]}, format_checker=oas30_format_checker
            )
            errors = sorted(validator.iter_errors(body), key=str)
            assert not errors, (url, [f"{list(e.absolute_path)}: {e.message}" for e in errors])
            found = body
        else:
            assert response.mimetype == "text/xml"
            root = ET.fromstring(response.data)  # noqa: S314 - our own output
            assert root.tag == XML_ROOTS[schema["$ref"].rsplit("/", 1)[-1]], (url, root.tag)
        text = response.get_data(as_text=True)
        for private in (*open311_seed.PRIVATE_TEXTS, open311_seed.INTERNAL_NOTE):
            assert private not in text, (url, private)
    return found


@pytest.fixture
def seeded(client, router, ulin_payload):
    return open311_seed.seed(client, router, ulin_payload)


@pytest.fixture(params=["private", "public"])
def shown(request, app, monkeypatch, tmp_path):
    """Kalimantan Selatan as the routing file has it, and with its text and photos public
    (then the answers carry description, address, coordinates and media_url too)."""
    on = request.param == "public"
    return pin_routing(app, monkeypatch, tmp_path, public_text=on, public_photos=on)


def test_answers_of_every_get_match_the_document(client, shown, ulin_payload):
    seeded = open311_seed.seed(client, shown, ulin_payload)
    with_photo(by_tracking_code(seeded.published[0]))
    router = shown
    doc = document(client)
    p = PREFIX
    check(doc, client, "get", f"{p}/discovery.{{format}}", f"{p}/discovery.{{format}}", 200)
    services = check(
        doc, client, "get", f"{p}/services.{{format}}", f"{p}/services.{{format}}", 200
    )
    assert {s["jurisdiction_id"] for s in services} == {r.id for r in router.regions}
    code = services[0]["service_code"]
    definition = f"{p}/services/{{service_code}}.{{format}}"
    found = check(doc, client, "get", definition, f"{p}/services/{code}.{{format}}", 200)
    assert [a["code"] for a in found["attributes"]][:2] == ["classification", "title"]

    listing = f"{p}/requests.{{format}}"
    items = check(doc, client, "get", listing, f"{p}/requests.{{format}}?locale=en", 200)
    assert {i["service_request_id"] for i in items} == set(seeded.published)
    assert {i["status"] for i in items} == {"open", "closed"}
    assert open311_seed.PUBLIC_ANSWER in {i["status_notes"] for i in items}
    one = f"{p}/requests/{{service_request_id}}.{{format}}"
    for code in seeded.published:
        [item] = check(doc, client, "get", one, f"{p}/requests/{code}.{{format}}", 200)
        assert item["service_request_id"] == code
    photo = client.get(f"{p}/media/{seeded.published[0]}/1.jpg")
    public = shown.region("kalsel").public_photos
    assert photo.status_code == (200 if public else 404)
    documented = doc["paths"][f"{p}/media/{{service_request_id}}/{{n}}.jpg"]["get"]["responses"]
    assert photo.mimetype in documented[str(photo.status_code)]["content"]
    if public:
        assert items[-1]["media_url"].endswith(f"/media/{seeded.published[0]}/1.jpg")
        assert {"description", "address", "lat", "long"} <= set(items[0])


def test_error_answers_match_the_document(client, router, seeded):
    doc = document(client)
    p = PREFIX
    listing = f"{p}/requests.{{format}}"
    check(doc, client, "get", listing, f"{p}/requests.{{format}}?page_size=0", 400)
    check(doc, client, "get", listing, f"{p}/requests.{{format}}?jurisdiction_id=atlantis", 404)
    one = f"{p}/requests/{{service_request_id}}.{{format}}"
    for hidden in seeded.hidden:  # unverified and confidential: as unknown as a made-up code
        check(doc, client, "get", one, f"{p}/requests/{hidden}.{{format}}", 404)
    definition = f"{p}/services/{{service_code}}.{{format}}"
    check(doc, client, "get", definition, f"{p}/services/AAAAAA.{{format}}", 404)
    token = f"{p}/tokens/{{token}}.{{format}}"
    check(doc, client, "get", token, f"{p}/tokens/tidak-ada.{{format}}", 404)
    post = f"{p}/requests.{{format}}"
    check(doc, client, "post", post, post, 403, data={"service_code": "AAAAAA"})


def test_a_post_and_its_token_match_the_document(client, router, seeded):
    doc = document(client)
    p = PREFIX
    code = client.get(f"{p}/services.json?jurisdiction_id=kalsel").get_json()[0]["service_code"]
    form = {
        "api_key": seeded.keys["aplikasi-kalsel"],
        "service_code": code,
        "address_string": "Jl. A. Yani km 2, Banjarmasin",
        "description": "Antrean di loket pendaftaran sangat panjang sejak pagi hari ini.",
        "email": "warga@example.org",
        "first_name": "Budi",
    }
    post = f"{p}/requests.{{format}}"
    created = {}
    for fmt in ("json", "xml"):
        response = client.post(post.replace("{format}", fmt), data=form)
        assert response.status_code == 201, response.data
        if fmt == "json":
            schema = _response_schema(doc, post, "post", 201)
            body = response.get_json()
            OAS30Validator({**schema, "components": doc["components"]}).validate(body)
            created = body[0]
        else:
            assert ET.fromstring(response.data).tag == "service_requests"  # noqa: S314
    token = f"{p}/tokens/{{token}}.{{format}}"
    [row] = check(doc, client, "get", token, f"{p}/tokens/{created['token']}.{{format}}", 200)
    assert row["service_request_id"] == created["service_request_id"]
    check(doc, client, "post", post, post, 400, data={**form, "description": "pendek"})
    check(doc, client, "post", post, post, 403, data={**form, "api_key": seeded.keys["dicabut"]})


def test_the_document_counts_in_the_read_limit_and_refuses_as_documented(limited):
    app = limited(RATELIMIT_OPEN311_READ_PER_ADDRESS="2 per minute")
    client = app.test_client()
    doc = document(client)
    assert client.get(f"{PREFIX}/services.json").status_code == 200
    refused = client.get(f"{PREFIX}/openapi.json")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    documented = doc["paths"][f"{PREFIX}/openapi.json"]["get"]["responses"]["429"]
    schema = documented["content"]["application/json"]["schema"]
    OAS30Validator({**schema, "components": doc["components"]}).validate(refused.get_json())

"""Schemathesis fuzzes every Open311 operation from the OpenAPI document the app serves,
against the WSGI app itself (no server): positive cases (what the document allows) and
negative ones (what it forbids), in a database holding published, unverified and
confidential reports and API keys.

Checks on every answer: no 5xx (not_a_server_error), a status the document lists for the
operation (status_code_conformance), the documented content type (content_type_conformance),
a JSON body matching the documented schema (response_schema_conformance); and ours: the
XML is well-formed with GeoReport's root, no reporter's name, phone or e-mail and no
internal note appears, and nothing is stored unless a POST answered 201 (then exactly one
report, filed through the API).

POSTs draw their api_key from the generated value or one of the seeded keys (valid, of
another region, revoked), and their service_code from the generated value or a real one,
so both refusals (400/403/404) and reports that land are reached. A media_url never leaves
the machine: it is replaced by a loopback address, which the server must refuse (400).

Size follows tests/fuzz/test_public_fuzz.py: FUZZ_SCALE=full (the default when
TEST_DATABASE_URL is set) or smoke (the default on SQLite), derandomized, no example
database.
"""

from __future__ import annotations

import os
import time
from xml.etree import ElementTree as ET

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from portal.complaints.models import Complaint
from portal.complaints.queries import by_tracking_code
from portal.extensions import db
from portal.open311.blueprint import PREFIX
from portal.open311.openapi import build_document
from tests import open311_seed
from tests.functional.open311_helpers import pin_routing, with_photo
from tests.fuzz import stats

SCALE = os.environ.get("FUZZ_SCALE") or ("full" if os.environ.get("TEST_DATABASE_URL") else "smoke")
assert SCALE in {"full", "smoke"}, f"FUZZ_SCALE must be full or smoke, not {SCALE!r}"
EXAMPLES = {"full": 120, "smoke": 15}[SCALE]  # per operation; twice that for the POST
OPERATIONS = [
    (method.upper(), path) for path, item in build_document()["paths"].items() for method in item
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
LOOPBACK_MEDIA = "http://127.0.0.1:9/foto.jpg"
# What a drawn POST body gets where it lacks it, when drawn so: then some reports land.
FILLED = {
    "address_string": "Loket pendaftaran, RSUD Ulin",
    "first_name": "Budi",
    "email": "budi@example.org",
    "description": "Antrean di loket pendaftaran sangat panjang sejak pagi hari ini.",
}
GENERATED, FILL = "$generated", "$fill"
PROFILE = dict(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(app, client, monkeypatch, tmp_path, ulin_payload):
    """Kalimantan Selatan shows its reports' text and photos, so every field is answered;
    one published report has a photo, and one report was filed through the API."""
    router = pin_routing(app, monkeypatch, tmp_path, public_text=True, public_photos=True)
    seeded = open311_seed.seed(client, router, ulin_payload)
    with_photo(by_tracking_code(seeded.published[0]))
    filed = client.post(
        f"{PREFIX}/requests.json",
        data={
            **FILLED,
            "api_key": seeded.keys["aplikasi-kalsel"],
            "service_code": seeded.service_code,
        },
    )
    assert filed.status_code == 201, filed.data
    seeded.tokens.append(filed.get_json()[0]["token"])
    return seeded


def _cases(operation, world) -> st.SearchStrategy:
    """Positive and negative cases, and cases naming things that exist."""
    kinds = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.path_parameters or operation.query or operation.body:
        kinds.append(operation.as_strategy(GenerationMode.NEGATIVE))
    names = {p.name for p in operation.path_parameters}
    real = {
        "service_request_id": world.published + world.hidden,
        "service_code": [world.service_code],
        "token": world.tokens,
    }
    for name, values in real.items():
        if name in names:
            kinds += [
                operation.as_strategy(path_parameters={name: value, **fixed})
                for value in values
                for fixed in ([{"n": 1}, {}] if "n" in names else [{"format": "json"}, {}])
            ]
    return st.one_of(kinds)


def _with_seeded_values(case, key: str, code: str, world) -> None:
    """A POST body gets one of the seeded keys, a real service code and the fields it
    lacks to land, when drawn so."""
    body = case.body
    if not isinstance(body, dict):
        return
    if key != GENERATED:
        body["api_key"] = world.keys[key]
    if code != GENERATED:
        body["service_code"] = world.service_code
    if code == FILL:
        for name, value in FILLED.items():
            body.setdefault(name, value)
    if "media_url" in body:
        body["media_url"] = LOOPBACK_MEDIA


def _stored() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Complaint)).scalar_one()


def _check_ours(case, response, before: int) -> None:
    text = response.content.decode("utf-8", "replace")
    for private in (*open311_seed.PRIVATE_TEXTS, open311_seed.INTERNAL_NOTE):
        assert private not in text, ("private text in an answer", private, case.path)
    media_type = (response.headers.get("Content-Type") or [""])[0].split(";")[0]
    if media_type == "text/xml":
        root = ET.fromstring(response.content)  # noqa: S314 - our own output
        if response.status_code >= 400:
            assert root.tag == "errors", (response.status_code, root.tag)
    after = _stored()
    if case.method == "POST" and response.status_code == 201:
        assert after == before + 1, ("a 201 must file exactly one report", before, after)
        body = response.json() if media_type == "application/json" else None
        if body is not None:
            code = body[0]["service_request_id"]
            filed = db.session.execute(
                select(Complaint).where(Complaint.tracking_code == code)
            ).scalar_one()
            assert filed.channel == "api" and filed.api_key_id is not None
    else:
        assert after == before, ("stored a report", case.method, response.status_code)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_open311_operation_conforms(app, world, method, path):
    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)
    operation = schema[path][method]
    drawn = st.tuples(
        _cases(operation, world),
        # Hypothesis leans on the first choice: the one that lets a report land.
        st.sampled_from(
            ["aplikasi-kalsel", GENERATED, "aplikasi-kalsel", "aplikasi-hst", "dicabut"]
        ),
        st.sampled_from([FILL, GENERATED, "real", FILL]),
    )
    label = f"schemathesis {method} {path.removeprefix(PREFIX)}"

    @settings(max_examples=EXAMPLES * (2 if method == "POST" else 1), **PROFILE)
    @given(drawn=drawn)
    def run(drawn):
        case, key, code = drawn
        if method == "POST":
            _with_seeded_values(case, key, code, world)
        before = _stored()
        started = time.perf_counter()
        try:
            response = case.call(app=app)
        finally:
            db.session.rollback()
        stats.record(label, response.status_code, time.perf_counter() - started)
        case.validate_response(response, checks=CHECKS)
        _check_ours(case, response, before)

    run()

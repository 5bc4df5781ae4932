"""The OpenAPI document is built from plain values: valid with or without the routing's ids,
and what it lets a client send matches the intake rules it imports."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from portal.intake.report import DESCRIPTION_MAX, DESCRIPTION_MIN
from portal.open311.openapi import build_document

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("ids", [{}, {"jurisdictions": ["kalsel", "hst"], "categories": ["x"]}])
def test_the_document_is_valid_openapi(ids):
    validate(build_document(**ids))


def test_routing_ids_become_enums_only_when_given():
    free = build_document()["components"]["parameters"]["jurisdiction_id"]["schema"]
    listed = build_document(jurisdictions=["kalsel"])["components"]["parameters"]
    assert free == {"type": "string"}
    assert listed["jurisdiction_id"]["schema"] == {"type": "string", "enum": ["kalsel"]}


def test_the_post_form_follows_the_intake_rules():
    post = build_document()["paths"]["/open311/v2/requests.{format}"]["post"]
    form = post["requestBody"]["content"][FORM]["schema"]
    assert form["required"] == ["api_key", "service_code", "description"]
    description = form["properties"]["description"]
    assert (description["minLength"], description["maxLength"]) == (
        DESCRIPTION_MIN,
        DESCRIPTION_MAX,
    )
    assert set(post["responses"]) == {"200", "201", "400", "403", "404", "409", "413", "429", "503"}


def test_no_operation_documents_a_server_error():
    for path, item in build_document()["paths"].items():
        for method, operation in item.items():
            assert not any(
                code.startswith("5") and code != "503" for code in operation["responses"]
            ), (
                method,
                path,
            )

"""The OpenAPI 3.0.3 document of the Open311 GeoReport v2 API, built from plain values.

Pure: no Flask. The view passes the regions and categories of the active routing file, so
the document lists the values a client may send today; tests/functional/
test_open311_openapi.py keeps it true to `app.url_map` and to the answers the views give,
and schemathesis fuzzes the views from it.

GeoReport puts the format in the URL (`services.json`, `services.xml`), so every path
carries a `{format}` parameter and every answer is documented twice: a JSON schema for
application/json and a plain string for text/xml (the same structure as GeoReport's XML).
The document is written in English, the language of the GeoReport specification and of
the field names; the answers themselves follow `locale`.

The schemas forbid fields they do not name (`additionalProperties: false`): the fuzz then
fails the day an answer grows a field nobody documented, such as a reporter's phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portal.intake.report import (
    ADDRESS_ID_MAX,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    EMAIL_MAX,
    LOCATION_MAX,
    NAME_MAX,
    NOTIFY_VIA,
    TITLE_MAX,
    TITLE_MIN,
)
from portal.routing.model import CLASSIFICATIONS

OPENAPI_VERSION = "3.0.3"
PREFIX = "/open311/v2"  # as portal/open311/blueprint.py mounts it (the tests compare)
FORMATS = ("json", "xml")
LOCALES = ("id", "en")
IDEMPOTENCY_KEY_PATTERN = "^[A-Za-z0-9_-]{16,64}$"
STATUS_LIST_PATTERN = "^(open|closed)(,(open|closed))*$"
PAGE_SIZE_MAX = 1000
ID_LIST_MAX = 100

JSON_TYPE, XML_TYPE, JPEG_TYPE = "application/json", "text/xml", "image/jpeg"
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
ERROR_TEXT = {
    "400": "A parameter is invalid; each error names the field: `<field>: <message>`.",
    "403": "The api_key is missing, unknown, revoked or not valid for this jurisdiction.",
    "404": "No such jurisdiction, service, published request, token or format.",
    "409": "The Idempotency-Key was already used by this api_key for other content.",
    "413": "The request body is too large.",
    "429": "Too many requests: the rate limit of this address (or api_key) is reached.",
    "503": "The service is temporarily unavailable (e.g. its database is down).",
}


def build_document(
    *, jurisdictions: Sequence[str] = (), categories: Sequence[str] = (), version: str = "2"
) -> dict[str, Any]:
    """The whole document. `jurisdictions` (region ids) and `categories` (category ids)
    become enums when given; an empty sequence leaves the parameter a free string."""
    params = _parameters(jurisdictions)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Aduan Langsung: Open311 GeoReport v2",
            "version": version,
            "description": (
                "Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) for the "
                "Aduan Langsung complaint portal. Every path ends in `.json` or `.xml`; "
                "errors come as a list of {code, description} in the same format (XML when "
                "the format is unknown). Only published reports are ever shown: never "
                "confidential, quarantined, unverified or spam ones, never a reporter's "
                "name or contact. Filing a report needs an api_key (a form field), issued "
                "by the portal's administrators."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "services", "description": "What can be reported, where."},
            {"name": "requests", "description": "Reports: file one, read published ones."},
            {"name": "meta", "description": "Discovery and this document."},
        ],
        "paths": _paths(params, categories),
        "components": {"parameters": params, "schemas": _schemas()},
    }


# --- parameters -----------------------------------------------------------------------------


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _enum_or_string(values: Sequence[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)} if values else {"type": "string"}


def _parameters(jurisdictions: Sequence[str]) -> dict[str, dict[str, Any]]:
    def query(name: str, schema: dict, description: str) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "schema": schema,
            "description": description,
        }

    return {
        "format": {
            "name": "format",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": list(FORMATS)},
            "description": "The answer's format: json (application/json) or xml (text/xml).",
        },
        "jurisdiction_id": query(
            "jurisdiction_id",
            _enum_or_string(jurisdictions),
            "A region of the portal; without it, every region. An unknown one is a 404.",
        ),
        "locale": query(
            "locale",
            {"type": "string", "enum": list(LOCALES), "default": "id"},
            "Language of names, labels, notices and error descriptions (default id).",
        ),
        "service_request_ids": query(
            "service_request_id",
            {"type": "string"},
            f"Tracking codes, comma separated (at most {ID_LIST_MAX}); the other filters "
            "except jurisdiction_id are then ignored.",
        ),
        "service_codes": query(
            "service_code", {"type": "string"}, "Service codes, comma separated."
        ),
        "start_date": query(
            "start_date",
            {"type": "string", "format": "date-time"},
            "Earliest requested_datetime (ISO 8601). Without start_date and end_date: "
            "the last 90 days.",
        ),
        "end_date": query(
            "end_date",
            {"type": "string", "format": "date-time"},
            "Latest requested_datetime (ISO 8601).",
        ),
        "status": query(
            "status",
            {"type": "string", "pattern": STATUS_LIST_PATTERN},
            "open, closed or both, comma separated.",
        ),
        "page": query("page", {"type": "integer", "minimum": 1, "default": 1}, "1-based."),
        "page_size": query(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": PAGE_SIZE_MAX, "default": 100},
            "Requests per page.",
        ),
        "idempotency_key": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
            "description": (
                "Send the same key with the same content again (e.g. after a timeout) to "
                "get the first answer (200) instead of a second report; the same key "
                "with other content is a 409."
            ),
        },
    }


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


# --- paths ----------------------------------------------------------------------------------


def _paths(params: dict[str, dict], categories: Sequence[str]) -> dict[str, Any]:
    fmt, juris, locale = (_ref("parameters", n) for n in ("format", "jurisdiction_id", "locale"))
    p = PREFIX
    return {
        f"{p}/discovery.{{format}}": {
            "get": _get(
                "discovery",
                "meta",
                "Where the API lives and which formats it speaks.",
                [fmt],
                "Discovery",
                errors=("404",),
            )
        },
        f"{p}/services.{{format}}": {
            "get": _get(
                "getServices",
                "services",
                "The service points reports can be filed at.",
                [fmt, juris, locale],
                "Services",
            )
        },
        f"{p}/services/{{service_code}}.{{format}}": {
            "get": _get(
                "getServiceDefinition",
                "services",
                "The attributes a report at this service point may carry.",
                [
                    _path_param(
                        "service_code",
                        "The service point's code, e.g. K7Q-3MZ (any case, with or "
                        "without the hyphen).",
                    ),
                    fmt,
                    juris,
                    locale,
                ],
                "ServiceDefinition",
            )
        },
        f"{p}/requests.{{format}}": {
            "get": _get(
                "getServiceRequests",
                "requests",
                "Published requests, newest first.",
                [
                    fmt,
                    juris,
                    *(
                        _ref("parameters", n)
                        for n in (
                            "service_request_ids",
                            "service_codes",
                            "start_date",
                            "end_date",
                            "status",
                            "page",
                            "page_size",
                        )
                    ),
                    locale,
                ],
                "ServiceRequests",
            ),
            "post": _post(fmt, categories),
        },
        f"{p}/requests/{{service_request_id}}.{{format}}": {
            "get": _get(
                "getServiceRequest",
                "requests",
                "One published request (a list of one, as GeoReport answers).",
                [
                    _path_param("service_request_id", "The tracking code, e.g. KSL-7K3Q9M."),
                    fmt,
                    juris,
                    locale,
                ],
                "ServiceRequests",
            )
        },
        f"{p}/tokens/{{token}}.{{format}}": {
            "get": _get(
                "getServiceRequestIdFromToken",
                "requests",
                "The service_request_id of the token a POST answered with.",
                [_path_param("token", "The token of a POST's answer."), fmt],
                "Tokens",
            )
        },
        f"{p}/media/{{service_request_id}}/{{n}}.jpg": {"get": _media()},
        f"{p}/openapi.json": {"get": _openapi_get()},
    }


def _content(schema_name: str) -> dict[str, Any]:
    return {
        JSON_TYPE: {"schema": _ref("schemas", schema_name)},
        XML_TYPE: {"schema": {"type": "string"}},
    }


def _error(status: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": ERROR_TEXT[status], "content": _content("Errors")}
    if status in ("429", "503"):
        answer["headers"] = RETRY_AFTER
    return answer


def _get(
    operation_id: str,
    tag: str,
    summary: str,
    parameters: list[dict],
    schema_name: str,
    errors: Sequence[str] = ("400", "404"),
) -> dict[str, Any]:
    responses = {"200": {"description": "OK", "content": _content(schema_name)}}
    responses.update({status: _error(status) for status in (*errors, "429", "503")})
    return {
        "operationId": operation_id,
        "tags": [tag],
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
    }


def _post(fmt: dict, categories: Sequence[str]) -> dict[str, Any]:
    created = {"content": _content("ServiceRequestCreated")}
    responses = {
        "201": {"description": "Filed: the tracking code and a token.", **created},
        "200": {"description": "A replay (same Idempotency-Key, same content).", **created},
    }
    responses.update({s: _error(s) for s in ("400", "403", "404", "409", "413", "429", "503")})
    return {
        "operationId": "postServiceRequest",
        "tags": ["requests"],
        "summary": "File a report (needs an api_key).",
        "description": (
            "A location is required: lat and long, or address_string, or address_id. "
            "The reporter gets the portal's usual receipt (a private link) by notify_via. "
            "Each intake problem is its own error, `<field>: <message>`."
        ),
        "parameters": [fmt, _ref("parameters", "idempotency_key")],
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _post_fields(categories)}},
        },
        "responses": responses,
    }


def _post_fields(categories: Sequence[str]) -> dict[str, Any]:
    text = {"type": "string"}
    flag = {"type": "string", "enum": ["true", "false"]}

    def up_to(limit: int) -> dict[str, Any]:
        return {"type": "string", "maxLength": limit}

    fields: dict[str, Any] = {
        "api_key": {**text, "description": "The client application's key."},
        "service_code": {**text, "description": "From GET services."},
        "jurisdiction_id": text,
        "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS84."},
        "long": {"type": "number", "minimum": -180, "maximum": 180, "description": "WGS84."},
        "address_string": up_to(LOCATION_MAX),
        "address_id": up_to(ADDRESS_ID_MAX),
        "email": {**up_to(EMAIL_MAX), "format": "email"},
        "device_id": text,
        "account_id": {**text, "description": "Ignored."},
        "first_name": up_to(NAME_MAX),
        "last_name": up_to(NAME_MAX),
        "phone": text,
        "description": {
            "type": "string",
            "minLength": DESCRIPTION_MIN,
            "maxLength": DESCRIPTION_MAX,
        },
        "media_url": {
            **text,
            "format": "uri",
            "description": "A public http(s) image, fetched before the report is stored.",
        },
        "attribute[classification]": {"type": "string", "enum": list(CLASSIFICATIONS)},
        "attribute[title]": {"type": "string", "minLength": TITLE_MIN, "maxLength": TITLE_MAX},
        "attribute[category]": _enum_or_string(categories),
        "attribute[incident_date]": {
            **text,
            "description": "YYYY-MM-DD or an ISO 8601 date-time; not in the future.",
        },
        "attribute[anonymous]": flag,
        "attribute[confidential]": flag,
        "attribute[notify_via]": {"type": "string", "enum": list(NOTIFY_VIA)},
        "locale": {"type": "string", "enum": list(LOCALES)},
    }
    return {
        "type": "object",
        "required": ["api_key", "service_code", "description"],
        "properties": fields,
    }


def _media() -> dict[str, Any]:
    return {
        "operationId": "getMedia",
        "tags": ["requests"],
        "summary": "Photo n (1-based) of a published request, where the region shows photos.",
        "parameters": [
            _path_param("service_request_id", "The tracking code."),
            {
                "name": "n",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            },
        ],
        "responses": {
            "200": {
                "description": "The photo (EXIF removed).",
                "content": {JPEG_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            },
            **{s: _error(s) for s in ("404", "429", "503")},
        },
    }


def _openapi_get() -> dict[str, Any]:
    return {
        "operationId": "getOpenApi",
        "tags": ["meta"],
        "summary": "This document.",
        "responses": {
            "200": {
                "description": "The OpenAPI 3 document.",
                "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {JSON_TYPE: {"schema": {"type": "object"}}},
            },
            "304": {"description": "Not modified (If-None-Match matched the ETag)."},
            "429": _error("429"),
            "503": _error("503"),
        },
    }


# --- schemas --------------------------------------------------------------------------------


def _object(required: Sequence[str], properties: dict[str, Any], **extra: Any) -> dict:
    return {
        "type": "object",
        "required": list(required),
        "properties": properties,
        "additionalProperties": False,
        **extra,
    }


def _list(item: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref("schemas", item)}


def _schemas() -> dict[str, Any]:
    text = {"type": "string"}
    maybe_text = {"type": "string", "nullable": True}
    when = {"type": "string", "format": "date-time"}
    maybe_when = {**when, "nullable": True}
    maybe_number = {"type": "number", "nullable": True}
    return {
        "Error": _object(
            ["code", "description"],
            {
                "code": {
                    "description": "The HTTP status (or a short name of the wrong field).",
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "description": {
                    **text,
                    "minLength": 1,
                    "description": "`<field>: <message>`, localized.",
                },
            },
        ),
        "Errors": _list("Error"),
        "Discovery": _object(
            ["changeset", "contact", "key_service", "endpoints"],
            {
                "changeset": {**when, "description": "When the routing last changed."},
                "contact": text,
                "key_service": {**text, "description": "How to get an api_key."},
                "endpoints": _list("Endpoint"),
                "jurisdictions": {**_list("Jurisdiction"), "description": "Extension."},
            },
        ),
        "Endpoint": _object(
            ["specification", "url", "changeset", "type", "formats"],
            {
                "specification": text,
                "url": text,
                "changeset": when,
                "type": {"type": "string", "enum": ["production", "test"]},
                "formats": {
                    "type": "array",
                    "items": {"type": "string", "enum": [XML_TYPE, JSON_TYPE]},
                },
            },
        ),
        "Jurisdiction": _object(
            ["jurisdiction_id", "name", "public_text", "public_photos"],
            {
                "jurisdiction_id": text,
                "name": text,
                "public_text": {
                    "type": "boolean",
                    "description": "Requests show their text, address and coordinates.",
                },
                "public_photos": {"type": "boolean", "description": "Requests show photos."},
            },
        ),
        "Service": _object(
            ["service_code", "service_name", "metadata", "type"],
            {
                "service_code": {**text, "description": "Printed form, e.g. K7Q-3MZ."},
                "service_name": {**text, "description": "<service> – <unit>."},
                "description": {**text, "description": "<service>, <unit>, <agency>, <region>."},
                "metadata": {"type": "boolean"},
                "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                "keywords": {**text, "description": "<region>,<agency>,<unit>,<service> ids."},
                "group": {**text, "description": "The agency's name."},
                "jurisdiction_id": {**text, "description": "The region id (extension)."},
            },
        ),
        "Services": _list("Service"),
        "AttributeValue": _object(["key", "name"], {"key": text, "name": text}),
        "Attribute": _object(
            ["variable", "code", "datatype", "required"],
            {
                "variable": {"type": "boolean"},
                "code": text,
                "datatype": {
                    "type": "string",
                    "enum": [
                        "string",
                        "number",
                        "datetime",
                        "text",
                        "singlevaluelist",
                        "multivaluelist",
                    ],
                },
                "required": {"type": "boolean"},
                "datatype_description": maybe_text,
                "order": {"type": "integer", "minimum": 1},
                "description": maybe_text,
                "values": _list("AttributeValue"),
            },
        ),
        "ServiceDefinition": _object(
            ["service_code", "attributes"],
            {"service_code": text, "attributes": _list("Attribute")},
        ),
        "ServiceRequest": _object(
            ["service_request_id", "status", "service_code", "requested_datetime"],
            {
                "service_request_id": {**text, "description": "The tracking code."},
                "status": {"type": "string", "enum": ["open", "closed"]},
                "status_notes": {
                    **maybe_text,
                    "description": "Staff's latest public note; never internal notes.",
                },
                "service_name": maybe_text,
                "service_code": {
                    **maybe_text,
                    "description": "The origin service point's code; null if it is gone.",
                },
                "description": {**maybe_text, "maxLength": 4000},
                "agency_responsible": maybe_text,
                "service_notice": {**maybe_text, "description": "The status as staff say it."},
                "requested_datetime": when,
                "updated_datetime": maybe_when,
                "expected_datetime": {**maybe_when, "description": "The running deadline."},
                "address": maybe_text,
                "address_id": maybe_text,
                "zipcode": maybe_text,
                "lat": maybe_number,
                "long": maybe_number,
                "media_url": {**maybe_text, "format": "uri"},
                "jurisdiction_id": {**text, "description": "The region id (extension)."},
            },
        ),
        "ServiceRequests": _list("ServiceRequest"),
        "ServiceRequestCreated": {
            "type": "array",
            "items": _object(
                ["service_request_id", "token"],
                {
                    "service_request_id": text,
                    "token": {**text, "description": "For GET tokens/{token}."},
                    "service_notice": maybe_text,
                    "account_id": maybe_text,
                },
            ),
        },
        "Tokens": {
            "type": "array",
            "items": _object(
                ["token", "service_request_id"],
                {"token": text, "service_request_id": maybe_text},
            ),
        },
    }

"""JSON Schemas (draft 2020-12) of the GeoReport v2 answers, written from the specification
(http://wiki.open311.org/GeoReport_v2), with the fields this portal adds (jurisdiction_id)
allowed. The tests validate every JSON answer against them; `check(name, value)` raises
jsonschema's ValidationError naming the field that is wrong.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

_TEXT_OR_NULL = {"type": ["string", "null"]}
# ISO 8601 with an offset, to the second, as the spec's examples write them.
_DATETIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$",
}
_DATETIME_OR_NULL = {"anyOf": [_DATETIME, {"type": "null"}]}

SERVICE = {
    "type": "object",
    "required": [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ],
    "properties": {
        "service_code": {"type": "string", "minLength": 1},
        "service_name": {"type": "string", "minLength": 1},
        "description": _TEXT_OR_NULL,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": _TEXT_OR_NULL,
        "group": _TEXT_OR_NULL,
        "jurisdiction_id": {"type": "string"},
    },
}

SERVICE_LIST = {"type": "array", "items": SERVICE}

ATTRIBUTE = {
    "type": "object",
    "required": ["variable", "code", "datatype", "required", "order", "description"],
    "properties": {
        "variable": {"type": "boolean"},
        "code": {"type": "string", "minLength": 1},
        "datatype": {
            "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
        },
        "required": {"type": "boolean"},
        "datatype_description": _TEXT_OR_NULL,
        "order": {"type": "integer", "minimum": 1},
        "description": {"type": "string"},
        "values": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "name"],
                "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                "additionalProperties": False,
            },
        },
    },
    # the spec: a list attribute lists its values
    "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
    "then": {"required": ["values"]},
    "additionalProperties": False,
}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string", "minLength": 1},
        "attributes": {"type": "array", "items": ATTRIBUTE},
    },
    "additionalProperties": False,
}

REQUEST = {
    "type": "object",
    "required": [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ],
    "properties": {
        "service_request_id": {"type": "string", "pattern": r"^[A-Z]{2,4}-[A-Z0-9]{6}$"},
        "status": {"enum": ["open", "closed"]},
        "status_notes": _TEXT_OR_NULL,
        "service_name": _TEXT_OR_NULL,
        "service_code": _TEXT_OR_NULL,
        "description": _TEXT_OR_NULL,
        "agency_responsible": _TEXT_OR_NULL,
        "service_notice": _TEXT_OR_NULL,
        "requested_datetime": _DATETIME,
        "updated_datetime": _DATETIME_OR_NULL,
        "expected_datetime": _DATETIME_OR_NULL,
        "address": _TEXT_OR_NULL,
        "address_id": _TEXT_OR_NULL,
        "zipcode": _TEXT_OR_NULL,
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "media_url": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]},
        "jurisdiction_id": {"type": "string"},
    },
    "additionalProperties": False,
}

REQUEST_LIST = {"type": "array", "items": REQUEST}

# GET tokens/{token}: the spec's answer is a request list of {token, service_request_id}.
TOKEN_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {
            "service_request_id": {"type": ["string", "null"]},
            "token": {"type": "string"},
        },
        "additionalProperties": False,
    },
}

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": ["integer", "string"]},
            "description": {"type": "string", "minLength": 1},
        },
        "additionalProperties": False,
    },
}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": _DATETIME,
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string"},
                    "url": {"type": "string"},
                    "changeset": _DATETIME,
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "items": {"enum": ["text/xml", "application/json"]},
                    },
                },
            },
        },
        "jurisdictions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["jurisdiction_id", "name", "public_text", "public_photos"],
                "properties": {
                    "jurisdiction_id": {"type": "string"},
                    "name": {"type": "string"},
                    "public_text": {"type": "boolean"},
                    "public_photos": {"type": "boolean"},
                },
            },
        },
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "services": SERVICE_LIST,
    "service_definition": SERVICE_DEFINITION,
    "requests": REQUEST_LIST,
    "tokens": TOKEN_LIST,
    "errors": ERRORS,
    "discovery": DISCOVERY,
}
for _schema in SCHEMAS.values():
    Draft202012Validator.check_schema(_schema)


def check(name: str, value: Any) -> None:
    """Validate `value` against the named schema (formats checked where jsonschema can)."""
    Draft202012Validator(
        SCHEMAS[name], format_checker=Draft202012Validator.FORMAT_CHECKER
    ).validate(value)

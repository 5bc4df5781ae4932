"""GeoReport v2 answers in both of its formats: XML (the spec's required one, text/xml in
UTF-8) and JSON, from one plain structure, so the two can never say different things.

A response is a root element holding items (`<services><service>…`) or one object
(`<service_definition>`, `<discovery>`). In JSON a list of items is a bare array and an
object is an object, as the spec's examples do. Errors are a list of {code, description}
with the HTTP status (400, 403, 404, …) in either format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response

JSON, XML = "json", "xml"
FORMATS = (JSON, XML)
MIMETYPES = {JSON: "application/json", XML: "text/xml"}
# The element name of each item of a list-valued field in XML (GeoReport's own names).
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "jurisdictions": "jurisdiction",
    "errors": "error",
}


class Open311Error(Exception):
    """An answer in the GeoReport error format: the status and each {code, description}.

    `code` is the HTTP status for the generic cases, as the spec's examples do, or a
    short name of the field that was wrong (documented in docs/open311.md).
    """

    def __init__(self, status: int, *errors: tuple[int | str, str]):
        super().__init__("; ".join(f"{code}: {text}" for code, text in errors))
        self.status = status
        self.errors = [(str(code), text) for code, text in errors] or [(str(status), "error")]


def format_of(extension: str | None) -> str | None:
    """The format a `.json` / `.xml` suffix asks for; None for anything else."""
    value = (extension or "").lower()
    return value if value in FORMATS else None


def items_response(
    fmt: str, root: str, item: str, items: Iterable[Mapping[str, Any]], status: int = 200
) -> Response:
    """`[{…}, …]` in JSON, `<root><item>…</item>…</root>` in XML."""
    rows = list(items)
    if fmt == JSON:
        return _json(rows, status)
    element = ET.Element(root)
    for row in rows:
        _fill(ET.SubElement(element, item), row)
    return _xml(element, status)


def object_response(fmt: str, root: str, obj: Mapping[str, Any], status: int = 200) -> Response:
    """`{…}` in JSON, `<root>…</root>` in XML."""
    if fmt == JSON:
        return _json(obj, status)
    element = ET.Element(root)
    _fill(element, obj)
    return _xml(element, status)


def error_response(fmt: str | None, error: Open311Error) -> Response:
    """The spec's error list; XML when the format is unknown (XML is the required one)."""
    rows = [{"code": code, "description": text} for code, text in error.errors]
    if fmt == JSON:
        body = [{"code": _code_value(code), "description": text} for code, text in error.errors]
        return _json(body, error.status)
    return items_response(XML, "errors", "error", rows, error.status)


def _code_value(code: str) -> int | str:
    return int(code) if code.isdigit() else code


def _json(value: Any, status: int) -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype=MIMETYPES[JSON])


def _xml(element: ET.Element, status: int) -> Response:
    body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return Response(
        body, status=status, mimetype=MIMETYPES[XML], content_type="text/xml; charset=utf-8"
    )


def _fill(element: ET.Element, value: Mapping[str, Any]) -> None:
    for key, child in value.items():
        _add(element, key, child)


def _add(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        _fill(node, value)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        item = ITEM_NAMES.get(name, "item")
        for entry in value:
            if isinstance(entry, Mapping):
                _fill(ET.SubElement(node, item), entry)
            else:
                ET.SubElement(node, item).text = _text(entry)
    else:
        node.text = _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _xml_safe(str(value))


# What XML 1.0 cannot hold (its `Char` production): most C0 controls, the surrogates and
# the two non-characters U+FFFE and U+FFFF. Intake lets U+FFFF through (it is no control
# character), and one such title would make every XML list that shows it unparseable.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """A stored or echoed value must never make the whole answer unparseable."""
    return _NOT_XML.sub("", text)

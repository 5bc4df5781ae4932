"""Reading the Open311 API as a client does: every answer in both formats, the XML checked
field by field against the JSON, the JSON against the GeoReport schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from flask import current_app

from portal.complaints import status as s
from portal.complaints.models import Photo
from portal.extensions import db
from portal.routing.active import EXTENSION_KEY
from portal.routing.loader import load_router
from portal.timeutil import utcnow
from tests import open311_schemas
from tests.factories import stored_complaint
from tests.helpers import image_bytes

API = "/open311/v2"
# The XML root of each answer and the element name of its items (None: one object).
ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "tokens": ("service_requests", "request"),
    "errors": ("errors", "error"),
    "service_definition": ("service_definition", None),
    "discovery": ("discovery", None),
}


def both(client, path: str, schema: str, expect: int = 200, **query: str) -> Any:
    """GET `path`.json and `path`.xml; both have `expect`, the JSON matches `schema` and the
    XML says exactly what the JSON says. Returns the JSON."""
    got = client.get(f"{API}{path}.json", query_string=query)
    assert got.status_code == expect, (got.status_code, got.data[:500])
    assert got.mimetype == "application/json"
    value = got.get_json()
    open311_schemas.check(schema, value)
    xml = client.get(f"{API}{path}.xml", query_string=query)
    assert xml.status_code == expect
    assert xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    same_as_json(xml.data, schema, value)
    return value


def same_as_json(body: bytes, schema: str, value: Any) -> None:
    root = ET.fromstring(body)  # noqa: S314 - our own output
    tag, item = ROOTS[schema]
    assert root.tag == tag, root.tag
    if item is None:
        _same(root, value)
    else:
        assert [child.tag for child in root] == [item] * len(value)
        for child, entry in zip(root, value, strict=True):
            _same(child, entry)


def _same(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        assert [child.tag for child in element] == list(value), element.tag
        for child, key in zip(element, value, strict=True):
            _same(child, value[key])
    elif isinstance(value, list):
        assert len(element) == len(value), element.tag
        for child, entry in zip(element, value, strict=True):
            _same(child, entry)
    elif value is None:
        assert element.text is None and len(element) == 0, (element.tag, element.text)
    elif isinstance(value, bool):
        assert element.text == ("true" if value else "false"), element.tag
    elif isinstance(value, int | float):
        assert float(element.text) == float(value), element.tag
    else:
        assert (element.text or "") == str(value), (element.tag, element.text, value)


def errors_of(client, path: str, expect: int, method: str = "GET", **query: str) -> list:
    """The error list of `path` in JSON, after checking the XML twin says the same."""
    got = client.open(f"{API}{path}.json", method=method, query_string=query)
    assert got.status_code == expect, (got.status_code, got.data[:300])
    value = json.loads(got.data)
    open311_schemas.check("errors", value)
    xml = client.open(f"{API}{path}.xml", method=method, query_string=query)
    assert xml.status_code == expect
    same_as_json(xml.data, "errors", value)
    return value


def published(**fields: Any):
    """A verified case (so in the public record unless the test says otherwise)."""
    fields.setdefault("status", s.VERIFIED)
    fields.setdefault("verified_at", utcnow())
    return stored_complaint(**fields)


def with_photo(complaint, color=(10, 120, 200)) -> bytes:
    """Store one real JPEG for the case; returns its bytes."""
    data = image_bytes(color=color)
    key = current_app.extensions["photo_store"].save(data)
    complaint.photos.append(
        Photo(
            storage_key=key,
            content_type="image/jpeg",
            width=64,
            height=48,
            byte_size=len(data),
            sha256="0" * 64,
        )
    )
    db.session.commit()
    return data


def pin_routing(app, monkeypatch, tmp_path: Path, region_prefix: str = "KSL", **flags: bool):
    """Serve a copy of the routing file whose region (by prefix) has the given
    `public_text` / `public_photos` flags; returns the router."""
    text = Path(app.config["ROUTING_FILE"]).read_text(encoding="utf-8")
    lines = "".join(f"    {name}: {'true' if on else 'false'}\n" for name, on in flags.items())
    anchor = f"    prefix: {region_prefix}\n"
    assert anchor in text
    routing = tmp_path / "routing_rules.yaml"
    routing.write_text(text.replace(anchor, anchor + lines, 1), encoding="utf-8")
    router = load_router(routing)
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, router)
    return router

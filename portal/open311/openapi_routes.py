"""GET /open311/v2/openapi.json: the OpenAPI 3 document of the whole API."""

from __future__ import annotations

import functools
import json

from flask import Response, request

from portal.open311.blueprint import bp
from portal.open311.openapi import build_document
from portal.routing.active import get_router

# The same for everyone and it changes only with the routing file (its region and
# category ids): shared caches may keep it a while and revalidate by ETag.
MAX_AGE = 3600


@functools.lru_cache(maxsize=4)
def _document_body(jurisdictions: tuple[str, ...], categories: tuple[str, ...]) -> str:
    """Built once per set of routing ids, not on every request (a 304 needs the body too,
    for its ETag)."""
    document = build_document(jurisdictions=list(jurisdictions), categories=list(categories))
    return json.dumps(document, ensure_ascii=False, indent=1)


@bp.get("/openapi.json")
def openapi_document():
    router = get_router()
    body = _document_body(
        tuple(region.id for region in router.regions),
        tuple(category.id for category in router.categories),
    )
    response = Response(body, mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.add_etag()
    return response.make_conditional(request)

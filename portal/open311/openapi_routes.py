"""GET /open311/v2/openapi.json: the OpenAPI 3 document of the whole API."""

from __future__ import annotations

import json

from flask import Response, request

from portal.open311.blueprint import bp
from portal.open311.openapi import build_document
from portal.routing.active import get_router

# The same for everyone and it changes only with the routing file (its region and
# category ids): shared caches may keep it a while and revalidate by ETag.
MAX_AGE = 3600


@bp.get("/openapi.json")
def openapi_document():
    router = get_router()
    document = build_document(
        jurisdictions=[region.id for region in router.regions],
        categories=[category.id for category in router.categories],
    )
    body = json.dumps(document, ensure_ascii=False, indent=1)
    response = Response(body, mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.add_etag()
    return response.make_conditional(request)

"""GET /open311/v2/openapi.json: the OpenAPI 3 document of the whole API."""

from __future__ import annotations

from portal.open311.blueprint import bp  # noqa: F401 - views attach to it

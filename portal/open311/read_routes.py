"""GET endpoints of GeoReport v2: discovery, services, service definitions, requests, tokens."""

from __future__ import annotations

from portal.open311.blueprint import bp  # noqa: F401 - views attach to it

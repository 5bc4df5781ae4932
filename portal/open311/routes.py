"""The Open311 blueprint with all its views attached (the factory registers this `bp`)."""

from __future__ import annotations

from portal.open311 import openapi_routes, post_routes, read_routes  # noqa: F401 - attach views
from portal.open311.blueprint import bp

__all__ = ["bp"]

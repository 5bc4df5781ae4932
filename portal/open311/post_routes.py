"""POST /open311/v2/requests.(json|xml): a client application files a report."""

from __future__ import annotations

from portal.open311.blueprint import bp  # noqa: F401 - views attach to it

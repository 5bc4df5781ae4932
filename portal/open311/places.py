"""Jurisdictions and service codes as a client names them, resolved against the routing.

An unknown jurisdiction or service code, or a service code of another region than the
jurisdiction asked for, is a 404 in GeoReport's error format.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.open311.formats import Open311Error
from portal.open311.publication import Origin
from portal.routing.engine import Router
from portal.routing.model import Region, ServicePoint


def jurisdictions(router: Router, jurisdiction_id: str | None) -> tuple[Region, ...]:
    """The region asked for, or every region when none is."""
    if jurisdiction_id is None:
        return router.regions
    region = router.region(jurisdiction_id)
    if region is None or region.id != jurisdiction_id:
        raise Open311Error(404, (404, "jurisdiction_id: " + _("daerah tidak dikenal")))
    return (region,)


def service_point(router: Router, code: str, regions: tuple[Region, ...]) -> ServicePoint:
    """The counter of a typed code (old codes too) within `regions`."""
    point = router.by_short_code(code)
    if point is None or point.region.id not in {r.id for r in regions}:
        raise Open311Error(404, (404, "service_code: " + _("kode layanan tidak dikenal")))
    return point


def origin_of(point: ServicePoint) -> Origin:
    """Every spelling of the counter's IDs a stored report may carry (its old IDs too)."""
    return Origin(
        agencies=(point.agency.id, *point.agency.aliases),
        units=(point.unit.id, *point.unit.aliases),
        services=(point.service.id, *point.service.aliases),
    )

"""Names to show for a complaint's IDs, read from the active routing version.

A case keeps the (agency, unit) it was routed to even when a later version (an edit or a
rollback, confirmed by an admin) no longer has that unit. Citizens and staff must then
not read a raw id: the name comes from the version that routed the case (the last name it
had), marked "unit lama", or, when even that is unknown, the words "unit lama".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.routing.loader import Router
from portal.routing.model import localized_name


@dataclass(frozen=True)
class PlaceNames:
    region: str
    agency: str
    unit: str
    origin: str  # "Agency – Unit – Service" where the report was made
    timezone: str  # the region's IANA zone, for showing times in its own clock


def _stored(short_hash: str) -> Router | None:
    from portal.routing.active import stored_router

    return stored_router(short_hash)


def place_names(
    router: Router,
    complaint,
    former: Callable[[str], Router | None] = _stored,
    locale: str = "id",
) -> PlaceNames:
    """Names from `router`; for a place it no longer has, the last known name from the
    version that routed the complaint (`former(routing_version)`), marked as old.
    `locale` "en" gives the English names (`name_en:`) where the file has them: the
    citizen's pages and messages; staff read Indonesian."""
    earlier: list[Router | None] = []

    def named(place) -> str:
        return localized_name(place, locale)

    def then() -> Router | None:  # the routing version of the case, read once if needed
        if not earlier:
            earlier.append(former(complaint.routing_version or ""))
        return earlier[0]

    point = router.find_service_point(
        complaint.origin_agency_id, complaint.origin_unit_id, complaint.origin_service_id
    )
    origin_ids = (
        complaint.origin_agency_id,
        complaint.origin_unit_id,
        complaint.origin_service_id,
    )
    if point is None and then() is not None:
        point = then().find_service_point(*origin_ids)
    origin = (
        f"{named(point.agency)} – {named(point.unit)} – {named(point.service)}"
        if point
        else _("layanan lama")
    )
    return PlaceNames(
        region=_region_name(router, complaint.region_id, then, named),
        agency=_agency_name(router, complaint.agency_id, then, named),
        unit=_unit_name(router, complaint.agency_id, complaint.unit_id, then, named),
        origin=origin,
        timezone=router.timezone_for(complaint.region_id),
    )


def _region_name(router: Router, region_id: str, then, named) -> str:
    region = router.region(region_id)
    if region is None and then() is not None:
        region = then().region(region_id)
    return named(region) if region is not None else region_id  # a region id is a readable word


def _agency_name(router: Router, agency_id: str, then, named) -> str:
    agency = router.agency(agency_id)
    if agency is not None:
        return named(agency)
    earlier = then().agency(agency_id) if then() is not None else None
    if earlier is not None:
        return _("%(name)s (instansi lama)", name=named(earlier))
    return _("instansi lama")


def _unit_name(router: Router, agency_id: str, unit_id: str, then, named) -> str:
    found = router.successor_unit(agency_id, unit_id)  # also a unit kept by an alias
    if found is not None:
        return named(found[1])
    earlier = then().unit(agency_id, unit_id) if then() is not None else None
    if earlier is not None:
        return _("%(name)s (unit lama)", name=named(earlier))
    return _("unit lama")

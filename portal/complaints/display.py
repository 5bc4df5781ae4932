"""Names to show for a complaint's IDs, read from the active routing version."""

from __future__ import annotations

from dataclasses import dataclass

from portal.routing.loader import Router


@dataclass(frozen=True)
class PlaceNames:
    region: str
    agency: str
    unit: str
    origin: str  # "Agency – Unit – Service" where the report was made
    timezone: str  # the region's IANA zone, for showing times in its own clock


def place_names(router: Router, complaint) -> PlaceNames:
    """Fall back to the raw IDs when a later routing version no longer knows a name."""
    point = router.find_service_point(
        complaint.origin_agency_id, complaint.origin_unit_id, complaint.origin_service_id
    )
    origin = (
        f"{point.agency.name} – {point.unit.name} – {point.service.name}"
        if point
        else "/".join(
            (complaint.origin_agency_id, complaint.origin_unit_id, complaint.origin_service_id)
        )
    )
    return PlaceNames(
        region=router.region_name(complaint.region_id),
        agency=router.agency_name(complaint.agency_id),
        unit=router.unit_name(complaint.agency_id, complaint.unit_id),
        origin=origin,
        timezone=router.timezone_for(complaint.region_id),
    )

"""Turning what someone asked for (a region, an agency, ticked boxes) into service points.

Pure: takes the router and plain IDs, returns counters in routing-file order (so a
batch prints unit by unit, as the file lists them) or raises UnknownSelection naming the
first ID that matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from portal.routing.engine import Router
from portal.routing.model import ServicePoint

What = Literal["region", "agency", "unit", "service"]


class UnknownSelection(LookupError):
    """`what` ("region", "agency", "unit", "service") `value` names nothing in the file."""

    def __init__(self, what: What, value: str):
        self.what = what
        self.value = value
        super().__init__(f"unknown {what} {value!r}")


@dataclass(frozen=True)
class Selection:
    points: tuple[ServicePoint, ...]
    description: str  # short, ID-based, for the registry ("agency:rsud-ulin")


def select_points(
    router: Router,
    *,
    region: str | None = None,
    agency: str | None = None,
    unit: str | None = None,
    service: str | None = None,
) -> Selection:
    """The command line's choice: a whole region, or an agency narrowed to a unit/service."""
    if region is not None:
        found = router.region(region)
        if found is None:
            raise UnknownSelection("region", region)
        points = [p for p in router.service_points() if p.region.id == found.id]
        return Selection(tuple(points), f"region:{found.id}")
    if agency is None:
        raise ValueError("give a region or an agency")
    found_agency = router.agency(agency)
    if found_agency is None:
        raise UnknownSelection("agency", agency)
    points = [p for p in router.service_points() if p.agency.id == found_agency.id]
    description = f"agency:{found_agency.id}"
    if unit is not None:
        unit_id = unit.strip().lower()
        if unit_id not in {u.id for u in found_agency.units}:
            raise UnknownSelection("unit", f"{found_agency.id}/{unit}")
        points = [p for p in points if p.unit.id == unit_id]
        description = f"unit:{found_agency.id}/{unit_id}"
        if service is not None:
            point = router.find_service_point(found_agency.id, unit_id, service)
            if point is None:
                raise UnknownSelection("service", f"{found_agency.id}/{unit_id}/{service}")
            points = [point]
            description = f"service:{'/'.join(point.ids)}"
    elif service is not None:
        raise ValueError("--service needs --unit")
    return Selection(tuple(points), description)


def points_from_form(
    router: Router,
    *,
    services: Iterable[str] = (),
    units: Iterable[str] = (),
    agencies: Iterable[str] = (),
    regions: Iterable[str] = (),
) -> Selection:
    """The staff page's ticked boxes: services "a/u/s", whole units "a/u", whole agencies
    and whole regions, merged without duplicates."""
    wanted_services: set[tuple[str, str, str]] = set()
    for value in services:
        parts = value.split("/")
        point = router.find_service_point(*parts) if len(parts) == 3 else None
        if point is None:
            raise UnknownSelection("service", value)
        wanted_services.add(point.ids)
    wanted_units: set[tuple[str, str]] = set()
    for value in units:
        agency_id, _, unit_id = value.partition("/")
        agency = router.agency(agency_id)
        if agency is None or unit_id not in {u.id for u in agency.units}:
            raise UnknownSelection("unit", value)
        wanted_units.add((agency.id, unit_id))
    wanted_agencies: set[str] = set()
    for value in agencies:
        agency = router.agency(value)
        if agency is None:
            raise UnknownSelection("agency", value)
        wanted_agencies.add(agency.id)
    wanted_regions: set[str] = set()
    for value in regions:
        region = router.region(value)
        if region is None:
            raise UnknownSelection("region", value)
        wanted_regions.add(region.id)

    points = tuple(
        p
        for p in router.service_points()
        if p.ids in wanted_services
        or (p.agency.id, p.unit.id) in wanted_units
        or p.agency.id in wanted_agencies
        or p.region.id in wanted_regions
    )
    parts = [
        *(f"region:{r}" for r in sorted(wanted_regions)),
        *(f"agency:{a}" for a in sorted(wanted_agencies)),
        *(f"unit:{a}/{u}" for a, u in sorted(wanted_units)),
    ]
    if wanted_services:
        parts.append(f"services:{len(wanted_services)}")
    return Selection(points, _shorten(", ".join(parts)))


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

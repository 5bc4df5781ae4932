"""Moving a case between regions of this portal: where it lands, and what its last move was.

Pure: no Flask, no database; it reads the complaint, its events already loaded, and the
router. The actions themselves (`transfer`, `send_back`) are in portal/cases/services.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.complaints.models import Complaint, Event
from portal.routing.engine import Router
from portal.routing.model import Clocks

NATIONAL = "sp4n-lapor"
MOVES = ("transfer", "send_back")


@dataclass(frozen=True)
class Landing:
    """Where a case arriving in a region waits for that region's admins to verify it."""

    region_id: str
    agency_id: str
    unit_id: str
    clocks: Clocks


def forward_action(forward_to: str | None) -> str:
    """The case page has one "forward" form: SP4N-LAPOR! leaves the portal (`forward`),
    any region of this portal is a `transfer`."""
    return "forward" if (forward_to or "").strip().lower() == NATIONAL else "transfer"


def last_move(complaint: Complaint) -> Event | None:
    """The case's latest transfer or send-back, if it ever moved between regions."""
    return next((e for e in reversed(complaint.events) if e.kind in MOVES), None)


def came_by_transfer(complaint: Complaint) -> bool:
    """It arrived here by a transfer (not by a send-back): the region may send it back."""
    move = last_move(complaint)
    return bool(complaint.transferred_from) and move is not None and move.kind == "transfer"


def landing(router: Router, complaint: Complaint, region_id: str) -> Landing | None:
    """Back in the region it was reported in: where that region's rules route its counter,
    on the clocks they give. Elsewhere: the region's first unit in the routing file (its
    intake; admins dispose from there), on the region's own clocks. None: no unit at all."""
    region = router.region(region_id)
    if region is None:
        return None
    point = router.find_service_point(
        complaint.origin_agency_id, complaint.origin_unit_id, complaint.origin_service_id
    )
    if point is not None and point.region.id == region.id:
        destination = router.route(
            *point.ids, classification=complaint.classification, category=complaint.category
        )
        if destination.region.id == region.id:
            return Landing(
                region.id, destination.agency.id, destination.unit.id, destination.clocks
            )
    for agency in region.agencies:
        for unit in agency.units:
            return Landing(region.id, agency.id, unit.id, router.region_clocks(region.id))
    return None

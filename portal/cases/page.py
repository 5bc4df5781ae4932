"""What the staff case page shows: deadlines with working days left, actions on offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.accounts import roles
from portal.cases import transfers, transitions
from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import local_date
from portal.clocks.due import NO_DEADLINE, working_days_left
from portal.clocks.holds import HoldWindow, held_working_days, hold_window
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.routing.engine import Router
from portal.routing.model import Clocks, Region
from portal.timeutil import utcnow


@dataclass(frozen=True)
class Deadline:
    label_key: str  # verification | followup | feedback
    due: date
    days_left: int
    running: bool


def deadlines(complaint: Complaint, router: Router) -> list[Deadline]:
    today = local_date(utcnow(), router.timezone_for(complaint.region_id))
    calendar = calendar_for(router.holidays_for(complaint.region_id))
    rows = [("verification", complaint.verify_due), ("followup", complaint.followup_due)]
    if complaint.feedback_due:
        rows.append(("feedback", complaint.feedback_due))
    return [
        Deadline(
            key,
            due,
            working_days_left(due, today, calendar),
            running=due == complaint.due_key and complaint.due_key != NO_DEADLINE,
        )
        for key, due in rows
    ]


@dataclass(frozen=True)
class HoldInfo:
    window: HoldWindow
    waited: int  # working days so far
    expiry: str  # resume | close: what happens after window.last_day
    reminded: bool


def hold_info(complaint: Complaint, router: Router, clocks: Clocks) -> HoldInfo | None:
    """How long the citizen has to answer, when they are reminded, what happens after."""
    if complaint.status != s.ON_HOLD or complaint.hold_started_at is None:
        return None
    tz = router.timezone_for(complaint.region_id)
    calendar = calendar_for(router.holidays_for(complaint.region_id))
    started = local_date(complaint.hold_started_at, tz)
    return HoldInfo(
        window=hold_window(started, clocks.hold, calendar),
        waited=held_working_days(started, local_date(utcnow(), tz), calendar),
        expiry=clocks.hold_expiry,
        reminded=complaint.hold_reminded_at is not None,
    )


def dispose_targets(
    complaint: Complaint, router: Router
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Units of the case's region grouped by agency, as (agency name, [(value, unit name)])."""
    region = router.region(complaint.region_id)
    if region is None:
        return []
    return [
        (agency.name, [(f"{agency.id}/{unit.id}", unit.name) for unit in agency.units])
        for agency in region.agencies
    ]


def offered_actions(complaint: Complaint, role: str) -> list[str]:
    actions = transitions.available(complaint.status, role)
    if complaint.status in s.FINISHED:
        actions = [a for a in actions if a == "note"]
    if not transfers.came_by_transfer(complaint):  # nothing to send back
        actions = [a for a in actions if a != "send_back"]
    return actions


def transfer_targets(complaint: Complaint, router: Router, role: str) -> list[Region]:
    """The regions the forward form offers: every other region of this portal, except,
    for a regional admin, the one the case came from (it goes back by "send back", or
    only by a super-admin; portal/cases/services.py `_transfer`)."""
    return [
        r
        for r in router.regions
        if r.id != complaint.region_id
        and (role == roles.SUPER_ADMIN or r.id != complaint.transferred_from)
    ]


@dataclass(frozen=True)
class MapPoint:
    text: str  # "-3.3194, 114.5908"
    url: str  # the spot on OpenStreetMap


def map_point(complaint: Complaint) -> MapPoint | None:
    """Where the report says the problem is (the Open311 API's lat/long), as staff read it.

    Six decimals (about 10 cm) at most, trailing zeros dropped, so a client's -3.3194 reads
    as sent. Coordinates name a place, not the reporter, so an Anonim case shows them too.
    """
    if complaint.latitude is None or complaint.longitude is None:
        return None
    lat, lon = _degrees(complaint.latitude), _degrees(complaint.longitude)
    url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
    return MapPoint(f"{lat}, {lon}", url)


def _degrees(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text

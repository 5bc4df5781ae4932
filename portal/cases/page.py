"""What the staff case page shows: deadlines with working days left, actions on offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.accounts import roles
from portal.cases import transfers, transitions
from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import local_date
from portal.clocks.due import NO_DEADLINE, working_days_left
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.routing.engine import Router
from portal.routing.model import Region
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

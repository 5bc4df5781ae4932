"""Whether the citizen's feedback window (10 working days after a response) is still open."""

from __future__ import annotations

from portal.clocks.deadlines import local_date
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.routing.engine import Router
from portal.timeutil import utcnow


def can_reopen(complaint: Complaint, router: Router) -> bool:
    if complaint.status != s.RESPONDED or complaint.feedback_due is None:
        return False
    today = local_date(utcnow(), router.timezone_for(complaint.region_id))
    return today <= complaint.feedback_due

"""The recap's part in a case change: mark the case's month for recomputation."""

from __future__ import annotations

from portal.complaints.models import Complaint
from portal.dashboard.recap import mark_changed
from portal.routing.active import get_router


def recap_changed(complaint: Complaint) -> None:
    mark_changed(complaint, get_router().timezone_for(complaint.region_id))

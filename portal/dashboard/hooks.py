"""The recap's part in a case change: mark the case's month for recomputation."""

from __future__ import annotations

from portal.complaints.models import Complaint
from portal.dashboard.recap import mark_changed
from portal.routing.active import get_router

DEFAULT_TIMEZONE = "Asia/Jakarta"


def region_timezone(region_id: str) -> str:
    region = get_router().region(region_id)
    return region.timezone if region is not None else DEFAULT_TIMEZONE


def recap_changed(complaint: Complaint) -> None:
    mark_changed(complaint, region_timezone(complaint.region_id))

"""A complaint as plain JSON for machines (the `complaints list` CLI). Anonim drops the reporter."""

from __future__ import annotations

from portal.complaints.models import Complaint


def complaint_summary(c: Complaint) -> dict:
    return {
        "tracking_code": c.tracking_code,
        "status": c.status,
        "region": c.region_id,
        "agency": c.agency_id,
        "unit": c.unit_id,
        "origin": {
            "agency": c.origin_agency_id,
            "unit": c.origin_unit_id,
            "service": c.origin_service_id,
        },
        "channel": c.channel,
        "classification": c.classification,
        "category": c.category,
        "title": c.title,
        "anonymous": c.anonymous,
        "confidential": c.confidential,
        "submitted_at": c.submitted_at.isoformat(),
        "verify_due": c.verify_due.isoformat(),
        "followup_due": c.followup_due.isoformat(),
        "routing": {"version": c.routing_version, "rule": c.routing_rule},
    }

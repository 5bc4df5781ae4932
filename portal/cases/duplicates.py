"""Duplicates, both ways: possible ones shown when verifying (same service, last 7 days,
similar title), and once archived (`reject_duplicate`, complaints.duplicate_of_id), the
original's list and count of its copies.

A hint, a list or a count is a staff query like any other: it starts from what the viewer
may see, so a copy filed in another unit's or region's scope is neither listed nor counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from difflib import SequenceMatcher

from sqlalchemy import func
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.staff.scoping import visible_complaints

WINDOW = timedelta(days=7)
THRESHOLD = 0.55
CANDIDATES = 200  # a service rarely gets more in a week; bounded either way


def _similarity(a: str, b: str) -> float:
    a, b = a.lower().strip(), b.lower().strip()
    words_a, words_b = set(a.split()), set(b.split())
    overlap = len(words_a & words_b) / max(1, len(words_a | words_b))
    return max(SequenceMatcher(None, a, b).ratio(), overlap)


def similar_open_cases(
    user: User, complaint: Complaint, limit: int = 5
) -> list[tuple[Complaint, float]]:
    stmt = (
        visible_complaints(user)
        .where(
            Complaint.region_id == complaint.region_id,
            Complaint.origin_agency_id == complaint.origin_agency_id,
            Complaint.origin_unit_id == complaint.origin_unit_id,
            Complaint.origin_service_id == complaint.origin_service_id,
            Complaint.id != complaint.id,
            Complaint.status.in_(s.OPEN),
            Complaint.submitted_at >= complaint.submitted_at - WINDOW,
        )
        .order_by(Complaint.submitted_at.desc())
        .limit(CANDIDATES)
    )
    scored = [
        (other, _similarity(complaint.title, other.title))
        for other in db.session.execute(stmt).scalars()
    ]
    scored = [pair for pair in scored if pair[1] >= THRESHOLD]
    return sorted(scored, key=lambda pair: -pair[1])[:limit]


def duplicates_of(user: User, original: Complaint) -> list[Complaint]:
    """The reports archived as duplicates of `original` that the viewer may see, oldest
    first (the index on duplicate_of_id, migration 0014, serves it)."""
    stmt = (
        visible_complaints(user)
        .where(Complaint.duplicate_of_id == original.id)
        .order_by(Complaint.submitted_at, Complaint.id)
    )
    return list(db.session.execute(stmt).scalars())


def duplicate_counts(user: User, codes: Sequence[str]) -> dict[str, int]:
    """Tracking code of an original -> how many of its duplicates the viewer may see; one
    query for a whole queue page or dashboard list. Originals without any are left out."""
    if not codes:
        return {}
    original = aliased(Complaint)
    stmt = (
        visible_complaints(user)
        .with_only_columns(original.tracking_code, func.count(Complaint.id))
        .select_from(Complaint)
        .join(original, Complaint.duplicate_of_id == original.id)
        .where(original.tracking_code.in_(list(codes)))
        .group_by(original.tracking_code)
    )
    return {code: n for code, n in db.session.execute(stmt).all()}

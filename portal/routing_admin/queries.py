"""What the impact summary needs from the database: printed posters and open cases."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from portal.complaints.models import Complaint
from portal.complaints.status import OPEN
from portal.extensions import db


def printed_posters() -> list[tuple[str, str, str, int]]:
    """(agency, unit, service, posters) of every service point in the poster registry."""
    try:
        from portal.posters.models import PosterItem
    except ImportError:  # the registry is another feature; without it nothing is printed
        return []
    stmt = select(
        PosterItem.agency_id, PosterItem.unit_id, PosterItem.service_id, func.count()
    ).group_by(PosterItem.agency_id, PosterItem.unit_id, PosterItem.service_id)
    return [tuple(row) for row in db.session.execute(stmt)]


def open_cases_by_unit(scope: Select) -> list[tuple[str, str, int]]:
    """(agency, unit, open cases) of every handling unit with an open case, counted within
    `scope` (the editor's `visible_complaints`: a side query like any other staff query)."""
    stmt = (
        scope.with_only_columns(Complaint.agency_id, Complaint.unit_id, func.count())
        .where(Complaint.status.in_(OPEN))
        .group_by(Complaint.agency_id, Complaint.unit_id)
    )
    return [tuple(row) for row in db.session.execute(stmt)]

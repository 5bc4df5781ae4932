"""What the impact summary needs from the database: printed posters and open cases."""

from __future__ import annotations

from collections.abc import Iterable

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


def printed_batches(points: Iterable[tuple[str, str, str]]) -> list:
    """The batches that printed posters of these counters (QR IDs), one row per batch and
    counter, with the routing version each was printed with."""
    from portal.posters.models import PosterBatch, PosterItem
    from portal.routing_admin.promises import PrintedBatch

    per_counter = (
        PosterBatch.id,
        PosterBatch.created_at,
        PosterBatch.routing_version,
        PosterItem.region_id,
        PosterItem.agency_id,
        PosterItem.unit_id,
        PosterItem.service_id,
    )
    stmt = (
        select(*per_counter, func.count())
        .join(PosterItem, PosterItem.batch_id == PosterBatch.id)
        .group_by(*per_counter)
        .order_by(PosterBatch.id)
    )
    wanted = set(points)
    if not wanted:
        return []
    stmt = stmt.where(
        PosterItem.agency_id.in_(sorted({a for a, _u, _s in wanted})),
        PosterItem.unit_id.in_(sorted({u for _a, u, _s in wanted})),
    )
    rows = (PrintedBatch(*row) for row in db.session.execute(stmt))
    return [b for b in rows if (b.agency_id, b.unit_id, b.service_id) in wanted]


MAX_CODES_PER_UNIT = 30


def open_case_codes(scope: Select, units: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Tracking codes of the open cases of each (agency, unit), within `scope`, so the
    admin who removes the unit knows which cases to move first."""
    result: dict[str, list[str]] = {}
    for agency_id, unit_id in units:
        stmt = (
            scope.with_only_columns(Complaint.tracking_code)
            .where(
                Complaint.status.in_(OPEN),
                Complaint.agency_id == agency_id,
                Complaint.unit_id == unit_id,
            )
            .order_by(Complaint.id)
            .limit(MAX_CODES_PER_UNIT)
        )
        result[f"{agency_id}/{unit_id}"] = list(db.session.execute(stmt).scalars())
    return result

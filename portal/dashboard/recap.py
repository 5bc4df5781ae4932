"""Keeping the monthly recap (stats_monthly) equal to the cases behind it.

A change to a case writes a mark for its month in the change's own transaction
(`mark_changed`). Before the recap is read, `refresh` takes the region's marks and recomputes
those months from the cases, in one transaction: the marks it deletes belong to committed
changes, which the recomputation then sees; a change still being committed keeps its mark
for the next refresh. On PostgreSQL an advisory lock makes two refreshes of one region take
turns, so an older recomputation never overwrites a newer one (SQLite's single writer does
the same by itself).
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from datetime import date

from sqlalchemy import and_, case, delete, func, insert, select, text

from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.dashboard import histogram
from portal.dashboard.models import DirtyMonth, MonthlyRecap
from portal.dashboard.period import add_months, month_bounds, month_of
from portal.extensions import db

KEY = (
    Complaint.agency_id,
    Complaint.unit_id,
    Complaint.classification,
    func.coalesce(Complaint.category, ""),
    Complaint.confidential,
)
EXCLUDED = (s.ARCHIVED, s.FORWARDED, s.QUARANTINED)


def mark_changed(complaint: Complaint, timezone: str) -> None:
    """Add a mark to the caller's transaction (no flush: the caller decides when to write)."""
    month = month_of(complaint.submitted_at, timezone)
    with db.session.no_autoflush:
        db.session.execute(insert(DirtyMonth).values(region_id=complaint.region_id, month=month))


_last_refresh: dict[str, float] = {}  # region -> time.monotonic() of this process's refresh


def refresh(region_id: str, timezone: str, *, unless_within: float = 0.0) -> int:
    """Recompute the months changed since the last refresh; returns how many. Commits.

    unless_within: skip when this process refreshed the region less than that many seconds
    ago (a busy region's page then costs a recomputation at most that often).
    """
    now = time.monotonic()
    if unless_within > 0 and now - _last_refresh.get(region_id, -unless_within) < unless_within:
        return 0
    _last_refresh[region_id] = now
    _begin(region_id)
    stmt = delete(DirtyMonth).where(DirtyMonth.region_id == region_id).returning(DirtyMonth.month)
    months = sorted(set(db.session.execute(stmt).scalars()))
    for month in months:
        recompute_month(region_id, month, timezone)
    db.session.commit()
    return len(months)


def rebuild(region_id: str, timezone: str) -> int:
    """Recompute every month that has cases (after an upgrade or a restore). Commits."""
    _begin(region_id)
    db.session.execute(delete(DirtyMonth).where(DirtyMonth.region_id == region_id))
    db.session.execute(delete(MonthlyRecap).where(MonthlyRecap.region_id == region_id))
    first, last = db.session.execute(
        select(func.min(Complaint.submitted_at), func.max(Complaint.submitted_at)).where(
            Complaint.region_id == region_id
        )
    ).one()
    count = 0
    if first is not None:
        month, end = month_of(first, timezone), month_of(last, timezone)
        while month <= end:
            recompute_month(region_id, month, timezone)
            month = add_months(month, 1)
            count += 1
    db.session.commit()
    return count


NO_ANSWER = "no-answer"  # reject_reason of a hold closed without the citizen's answer


def _resolved():
    """Closed after an answer: a hold closed as "no answer" is closed, not resolved."""
    return and_(Complaint.status == s.CLOSED, Complaint.reject_reason.is_distinct_from(NO_ANSWER))


DIMENSIONS = ("unit", "classification", "category")
SUMS = ("received", "excluded", "resolved", "answered", "answered_on_time", "rated", "rating_sum")


def recompute_month(region_id: str, month: date, timezone: str) -> None:
    """Replace the month's recap rows by sums over its cases (in the caller's transaction)."""
    start, end = month_bounds(month, timezone)
    where = (
        Complaint.region_id == region_id,
        Complaint.submitted_at >= start,
        Complaint.submitted_at < end,
    )
    # One pass over the month's cases, grouped finely (durations included); the three
    # slices are sums of those groups, made here rather than by more passes over the cases.
    stmt = (
        select(
            *KEY,
            Complaint.first_response_days,
            Complaint.completion_days,
            func.count(),
            func.sum(case((Complaint.status.in_(EXCLUDED), 1), else_=0)),
            func.sum(case((_resolved(), 1), else_=0)),
            func.sum(case((Complaint.first_response_on_time.is_(True), 1), else_=0)),
            func.count(Complaint.rating),
            func.coalesce(func.sum(Complaint.rating), 0),
        )
        .where(*where)
        .group_by(*KEY, Complaint.first_response_days, Complaint.completion_days)
    )
    # Two steps, both in place: the rows (one per key and pair of durations) into one
    # total per key, then the keys into the three slices. Thousands of rows, not millions.
    per_key: dict[tuple, list] = {}
    for row in db.session.execute(stmt):
        key, response_days, completion_days = tuple(row[:5]), row[5], row[6]
        slot = per_key.get(key)
        if slot is None:
            slot = per_key[key] = [[0] * len(SUMS), Counter(), Counter()]
        count, excluded, resolved, on_time, rated, rating_sum = (int(v or 0) for v in row[7:])
        sums = slot[0]
        sums[0] += count
        sums[1] += excluded
        sums[2] += resolved
        sums[4] += on_time
        sums[5] += rated
        sums[6] += rating_sum
        if response_days is not None:
            sums[3] += count  # answered
            slot[1][int(response_days)] += count
        if completion_days is not None:
            slot[2][int(completion_days)] += count

    slices: dict[tuple, list] = {}
    for (agency, unit, classification, category, confidential), (
        sums,
        resp,
        comp,
    ) in per_key.items():
        for dimension, value in zip(DIMENSIONS, (unit, classification, category), strict=True):
            slot = slices.setdefault(
                (dimension, agency, value, bool(confidential)),
                [[0] * len(SUMS), Counter(), Counter()],
            )
            slot[0] = [a + b for a, b in zip(slot[0], sums, strict=True)]
            slot[1].update(resp)
            slot[2].update(comp)

    db.session.execute(
        delete(MonthlyRecap).where(MonthlyRecap.region_id == region_id, MonthlyRecap.month == month)
    )
    if slices:
        db.session.execute(
            insert(MonthlyRecap),
            [
                dict(
                    region_id=region_id,
                    month=month,
                    dimension=dimension,
                    agency_id=agency,
                    value=value,
                    confidential=confidential,
                    **dict(zip(SUMS, sums, strict=True)),
                    response_hist=histogram.encode(resp),
                    completion_hist=histogram.encode(comp),
                )
                for (dimension, agency, value, confidential), (sums, resp, comp) in slices.items()
            ],
        )


def _begin(region_id: str) -> None:
    """On PostgreSQL: take the region's refresh lock for this transaction, and give it the
    memory to hash a busy month (~60,000 cases) instead of sorting it on disk."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"stats:{region_id}".encode())
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        db.session.execute(text("SET LOCAL work_mem = '32MB'"))

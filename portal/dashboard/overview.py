"""Assembling a region's (or one agency's) recap from the monthly rows and today's cases.

`build_overview` is the only way the leader page, its CSV and the public page get figures;
`public=True` leaves Rahasia reports out of every figure and skips the case list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select

from portal.accounts.models import User
from portal.clocks.calendar import calendar_for
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.dashboard.figures import Figures, rounded
from portal.dashboard.models import MonthlyRecap
from portal.dashboard.period import Period, month_bounds
from portal.dashboard.recap import DIMENSIONS, refresh
from portal.extensions import db
from portal.routing.engine import Router
from portal.routing.model import Region

OVERDUE_LIST_LIMIT = 50
RECAP_COLUMNS = (
    MonthlyRecap.dimension,
    MonthlyRecap.month,
    MonthlyRecap.agency_id,
    MonthlyRecap.value,
    MonthlyRecap.received,
    MonthlyRecap.excluded,
    MonthlyRecap.resolved,
    MonthlyRecap.answered,
    MonthlyRecap.answered_on_time,
    MonthlyRecap.rated,
    MonthlyRecap.rating_sum,
    MonthlyRecap.response_hist,
    MonthlyRecap.completion_hist,
)


@dataclass
class Group:
    """One row of the table: an agency (region view) or a unit (agency view)."""

    id: str
    name: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class OverdueCase:
    tracking_code: str
    title: str
    confidential: bool
    agency_name: str
    unit_name: str
    status: str
    due: date
    working_days_late: int
    holders: list[str]  # the officers of the unit (or agency) it belongs to
    holder: str | None = None  # the one person holding it, if anybody does
    locale: str = "id"  # the reporter's language: an English reporter is answered in English


@dataclass
class Overview:
    region: Region
    period: Period
    agency_id: str | None
    public: bool
    total: Figures
    groups: list[Group]
    months: list[tuple[date, Figures]]
    classifications: list[tuple[str, Figures]]
    categories: list[tuple[str, Figures]]
    overdue: list[OverdueCase]
    today: date

    @property
    def empty(self) -> bool:
        return self.total.empty

    def monthly(self, column: str) -> list[int | float | None]:
        """One column of figures.rounded per month, for the trend charts."""
        return [rounded(f)[column] for _, f in self.months]


def build_overview(
    router: Router,
    region: Region,
    period: Period,
    today: date,
    *,
    agency_id: str | None = None,
    public: bool = False,
    refresh_every: float = 0.0,
) -> Overview:
    refresh(region.id, region.timezone, unless_within=refresh_every)
    total = Figures()
    groups = _groups(region, agency_id)
    months = {m: Figures() for m in period.months}
    classifications: dict[str, Figures] = defaultdict(Figures)
    categories: dict[str, Figures] = defaultdict(Figures)

    def group_of(agency: str, unit: str) -> Figures:
        key = unit if agency_id else agency
        if key not in groups:  # a unit or agency since removed from the routing file
            groups[key] = Group(key, key)
        return groups[key].figures

    by_dimension = {"classification": classifications, "category": categories}
    for row in db.session.execute(_recap_rows(region.id, period, agency_id, public)):
        counts = Figures.of_recap_row(row)
        if row.dimension == "unit":
            targets = (total, months[row.month], group_of(row.agency_id, row.value))
        else:
            targets = (by_dimension[row.dimension][row.value],)
        for figures in targets:
            figures.add(counts)

    for row in db.session.execute(_running_late(region, period, today, agency_id, public)):
        group = group_of(row.agency_id, row.unit_id)
        group.overdue_now += row.count
        total.overdue_now += row.count
        if row.month_index >= 0 and row.unanswered_late:
            for figures in (
                total,
                months[period.months[row.month_index]],
                group,
                classifications[row.classification],
                categories[row.category or ""],
            ):
                figures.late_unanswered += row.count

    return Overview(
        region=region,
        period=period,
        agency_id=agency_id,
        public=public,
        total=total,
        groups=sorted(groups.values(), key=_worst_first),
        months=list(months.items()),
        classifications=sorted(classifications.items()),
        categories=sorted(categories.items()),
        overdue=[] if public else _overdue_list(router, region, today, agency_id),
        today=today,
    )


def _worst_first(group: Group) -> tuple:
    """Most overdue first, then the lowest on-time share: the slow desk tops the table."""
    share = group.figures.on_time_share
    return (-group.figures.overdue_now, 2.0 if share is None else share, group.name)


def _groups(region: Region, agency_id: str | None) -> dict[str, Group]:
    """Every agency (or unit) of the routing file, in its order, so a silent one shows 0."""
    if agency_id is None:
        return {a.id: Group(a.id, a.name) for a in region.agencies}
    agency = next((a for a in region.agencies if a.id == agency_id), None)
    return {u.id: Group(u.id, u.name) for u in (agency.units if agency else ())}


def _recap_rows(region_id: str, period: Period, agency_id: str | None, public: bool):
    stmt = select(*RECAP_COLUMNS).where(
        MonthlyRecap.region_id == region_id,
        MonthlyRecap.dimension.in_(DIMENSIONS),  # so the index's second column serves
        MonthlyRecap.month >= period.first,
        MonthlyRecap.month <= period.last,
    )
    if agency_id:
        stmt = stmt.where(MonthlyRecap.agency_id == agency_id)
    if public:
        stmt = stmt.where(MonthlyRecap.confidential.is_(False))
    return stmt


def _late_filter(stmt, region_id: str, today: date, agency_id: str | None, public: bool):
    """Open cases past the deadline running now: one range of the open-cases index."""
    stmt = stmt.where(
        Complaint.region_id == region_id,
        Complaint.status.in_(s.RUNNING),
        Complaint.due_key < today,
    )
    if agency_id:
        stmt = stmt.where(Complaint.agency_id == agency_id)
    if public:
        stmt = stmt.where(Complaint.confidential.is_(False))
    return stmt


def _running_late(region: Region, period: Period, today: date, agency_id: str | None, public: bool):
    """Open cases past their running deadline, counted per unit, month of filing (-1:
    outside the period; a CASE over the months' UTC bounds, exact in the region's time
    zone on any database), classification, category, and whether they are still
    unanswered after the follow-up deadline. One pass over the late cases, grouped in the
    database: a region with thousands of late cases sends back a few hundred rows."""
    bounds = [month_bounds(m, region.timezone) for m in period.months]
    month_index = case(
        (Complaint.submitted_at < bounds[0][0], -1),
        *((Complaint.submitted_at < end, i) for i, (_start, end) in enumerate(bounds)),
        else_=-1,
    ).label("month_index")
    unanswered_late = and_(
        Complaint.first_response_at.is_(None), Complaint.followup_due < today
    ).label("unanswered_late")
    keys = (
        month_index,
        Complaint.agency_id,
        Complaint.unit_id,
        Complaint.classification,
        Complaint.category,
        unanswered_late,
    )
    stmt = select(*keys, func.count().label("count"))
    return _late_filter(stmt, region.id, today, agency_id, public).group_by(*keys)


def _overdue_list(
    router: Router, region: Region, today: date, agency_id: str | None
) -> list[OverdueCase]:
    """The longest-overdue cases first, with the unit holding each and its officers."""
    stmt = _late_filter(
        select(
            Complaint.tracking_code,
            Complaint.title,
            Complaint.confidential,
            Complaint.agency_id,
            Complaint.unit_id,
            Complaint.status,
            Complaint.due_key,
            Complaint.assigned_user_id,
            Complaint.locale,
        ),
        region.id,
        today,
        agency_id,
        False,
    ).order_by(Complaint.due_key, Complaint.id)
    rows = db.session.execute(stmt.limit(OVERDUE_LIST_LIMIT)).all()
    calendar = calendar_for(router.holidays_for(region.id))
    officers = _officers({r.agency_id for r in rows})
    holders = _emails({r.assigned_user_id for r in rows if r.assigned_user_id is not None})
    out = []
    for r in rows:
        out.append(
            OverdueCase(
                tracking_code=r.tracking_code,
                title=r.title,
                confidential=r.confidential,
                agency_name=router.agency_name(r.agency_id),
                unit_name=router.unit_name(r.agency_id, r.unit_id),
                status=r.status,
                due=r.due_key,
                working_days_late=calendar.working_days_between(r.due_key, today),
                holders=officers.get((r.agency_id, r.unit_id))
                or officers.get((r.agency_id, None))
                or [],
                holder=holders.get(r.assigned_user_id),
                locale=r.locale or "id",
            )
        )
    return out


def _emails(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    stmt = select(User.id, User.email).where(User.id.in_(user_ids))
    return dict(db.session.execute(stmt).all())


def _officers(agency_ids: set[str]) -> dict[tuple[str, str | None], list[str]]:
    """Active officer accounts per (agency, unit); (agency, None) for agency-wide ones."""
    if not agency_ids:
        return {}
    stmt = (
        select(User.agency_id, User.unit_id, User.email)
        .where(User.agency_id.in_(agency_ids), User.active.is_(True))
        .order_by(User.email)
    )
    out: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for agency, unit, email in db.session.execute(stmt):
        out[(agency, unit)].append(email)
    return out

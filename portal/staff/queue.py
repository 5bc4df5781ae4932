"""The staff queue: filters, keyset pages and counts per status, from plain values.

Every statement starts from `visible_complaints(user)`, the one scoping helper, so a filter
can narrow what a user sees but never widen it. The default view, open cases nearest
running deadline first, walks a partial index of open cases in order (migration 0004);
pages are keyset pages (the next-page link carries the last row's sort key), so page 200
costs what page 1 costs.

"Today" is a date in each region's own time zone and working calendar: "overdue" means the
running deadline is before the region's today, "due soon" that it is today or the region's
next working day. A user whose cases span regions (a super admin) gets one condition per
group of regions sharing those dates, so every case is judged by its own region's clock
(Kalimantan Selatan's day starts an hour before Muara Enim's, and has its own holidays).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    union_all,
)

from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import local_date
from portal.clocks.due import NO_DEADLINE, due_state, working_days_left
from portal.complaints import status
from portal.complaints.models import Complaint
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.extensions import db
from portal.plain_text import without_control
from portal.routing.loader import Router
from portal.routing.model import OTHER_SERVICE_ID, Agency, Region, Unit
from portal.staff.scoping import visible_complaints

SORT_DUE, SORT_NEWEST = "due", "newest"
TAB_OPEN, TAB_ALL = "open", "all"
TABS = (TAB_OPEN, *status.ALL, TAB_ALL)
DUE_OVERDUE, DUE_SOON = "overdue", "due_soon"  # the values of portal.clocks.due.due_state
HOLDER_ME, HOLDER_NONE = "me", "none"  # held by the signed-in user; held by nobody
PAGE_SIZE = 50
# Counting stops here per status: "1.000+" closed cases tells staff as much as 412,381
# would, and an exact count of a region's whole archive would read all of it on every
# visit. Open statuses, the work at hand, are counted exactly much further.
COUNT_CAP = {s: 10_000 if s in status.OPEN else 1_000 for s in status.ALL}
SEARCH_COUNT_CAP = 500
SEARCH_MIN, SEARCH_MAX = 3, 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """The last row of a page by the page's sort key: the next page starts after it."""

    sort: str
    key: date | datetime
    id: int

    def encode(self) -> str:
        if self.sort == SORT_NEWEST:
            micros = (self.key - _EPOCH) // timedelta(microseconds=1)
            return f"{micros}_{self.id}"
        return f"{self.key.isoformat()}_{self.id}"

    @classmethod
    def decode(cls, text: str, sort: str) -> Cursor | None:
        """None for anything that is not a cursor of this sort (an edited or stale link)."""
        head, sep, tail = (text or "").partition("_")
        if not sep or not tail.isascii() or not tail.isdigit() or len(tail) > 18:
            return None
        try:
            if sort == SORT_NEWEST:
                if not head.lstrip("-").isascii() or not head.lstrip("-").isdigit():
                    return None
                key: date | datetime = _EPOCH + timedelta(microseconds=int(head))
            else:
                key = date.fromisoformat(head)
        except (ValueError, OverflowError):
            return None
        return cls(sort, key, int(tail))


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows; every field optional, already checked against the scope."""

    tab: str = TAB_OPEN
    agency_id: str | None = None
    unit: tuple[str, str] | None = None  # (agency, unit): unit IDs repeat across agencies
    classification: str | None = None
    due: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    search: str | None = None
    holder: str | None = None  # HOLDER_ME | HOLDER_NONE
    sort: str = SORT_DUE
    after: Cursor | None = None

    @property
    def narrowing(self) -> bool:
        """Some filter or a search leaves cases out (the tab and the order do not)."""
        return any(
            (
                self.agency_id,
                self.unit,
                self.classification,
                self.due,
                self.submitted_from,
                self.submitted_to,
                self.search,
                self.holder,
            )
        )


@dataclass(frozen=True)
class QueueScope:
    """The regions, agencies and units a user's filters may choose from."""

    regions: tuple[Region, ...] = ()
    agencies: tuple[Agency, ...] = ()
    units: tuple[tuple[Agency, Unit], ...] = ()


@dataclass(frozen=True)
class TabCount:
    n: int
    capped: bool = False  # at least n: counting stopped at its cap


@dataclass(frozen=True)
class QueueRow:
    tracking_code: str
    title: str
    confidential: bool
    anonymous: bool
    agency_name: str
    unit_name: str
    status: str
    classification: str
    submitted_at: datetime
    timezone: str
    due: date | None  # the running deadline; None while no clock runs (on hold, finished)
    working_days_left: int | None  # negative when overdue
    due_state: str | None  # overdue | due_soon | None
    holder: str | None = None  # the e-mail address of whoever holds the case
    # A new case that came from another region of the portal: that region's name, so the
    # receiving desk sees at a glance what arrived by transfer or was sent back to it.
    moved_from: str | None = None
    locale: str = "id"  # the reporter's language ("en": answer in English)
    # Filed under the agency's "Layanan lain (tidak ada di daftar)": the citizen found no
    # listed service, so the desk knows to read what the report is about first.
    unlisted: bool = False


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    counts: dict[str, TabCount]
    next_cursor: Cursor | None = None
    # Open cases under the same filters held by the user (HOLDER_ME) and by nobody.
    holder_counts: dict[str, TabCount] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionDay:
    """A region's today and next working day: what overdue and due soon are measured by."""

    timezone: str
    today: date
    next_working_day: date


def queue_scope(router: Router, user: User) -> QueueScope:
    """The filter choices within the user's reach; the database query still decides."""
    reach = reach_of(user)
    return QueueScope(reach.regions(router), reach.agencies(router), reach.units(router))


def region_day(router: Router, region_id: str, now: datetime) -> RegionDay:
    timezone = router.timezone_for(region_id or "")
    today = local_date(now, timezone)
    calendar = calendar_for(router.holidays_for(region_id))
    return RegionDay(timezone, today, calendar.add_working_days(today, 1))


# --- statements ---------------------------------------------------------------------------


# What a row of the page shows; the rest of a case (its text, the reporter) stays unread.
ROW_COLUMNS = (
    Complaint.id,
    Complaint.tracking_code,
    Complaint.title,
    Complaint.region_id,
    Complaint.agency_id,
    Complaint.unit_id,
    Complaint.status,
    Complaint.classification,
    Complaint.submitted_at,
    Complaint.due_key,
    Complaint.anonymous,
    Complaint.confidential,
    Complaint.assigned_user_id,
    Complaint.transferred_from,
    Complaint.locale,
    Complaint.origin_service_id,
)


def rows_statement(user: User, filters: QueueFilters, router: Router, now: datetime) -> Select:
    """One page (plus one row, to know whether a next page exists) in the chosen order."""
    stmt = _with_tab(_filtered(user, filters, router, now), filters.tab)
    stmt = stmt.with_only_columns(*ROW_COLUMNS)
    after = filters.after
    if after is not None and filters.sort == SORT_NEWEST:
        stmt = stmt.where(tuple_(Complaint.submitted_at, Complaint.id) < (after.key, after.id))
    elif after is not None:
        stmt = stmt.where(tuple_(Complaint.due_key, Complaint.id) > (after.key, after.id))
    return stmt.order_by(*_order(filters.sort)).limit(PAGE_SIZE + 1)


def _order(sort: str) -> tuple:
    if sort == SORT_NEWEST:
        return (Complaint.submitted_at.desc(), Complaint.id.desc())
    return (Complaint.due_key, Complaint.id)


def counts_statement(
    user: User, filters: QueueFilters, router: Router, now: datetime
) -> CompoundSelect:
    """(status, n) rows: how many cases each status tab holds under the same filters.

    Each status is counted on its own up to its COUNT_CAP, one index range each, so a big
    archive never hides the exact count of a small open status. (A text search is counted
    from its sample instead: see search_statement.)
    """
    base = _filtered(user, filters, router, now).with_only_columns(Complaint.id)
    capped = [
        select(literal(s).label("status"), func.count()).select_from(
            base.where(Complaint.status == s).limit(COUNT_CAP[s] + 1).subquery()
        )
        for s in status.ALL
    ]
    return union_all(*capped)


def search_statement(user: User, filters: QueueFilters, router: Router, now: datetime) -> Select:
    """The first SEARCH_COUNT_CAP + 1 matches of a text search, all tabs, in page order.

    The ILIKE is the expensive part of a search (a trigram index scan, then a check of
    each candidate row), so it runs once per page: this sample gives the counts of every
    tab and usually the page itself (see page_from_sample). A rare term is found through
    the trigram indexes; a common one by walking the deadline index until the cap.
    """
    stmt = _filtered(user, filters, router, now).with_only_columns(*ROW_COLUMNS)
    return stmt.order_by(*_order(filters.sort)).limit(SEARCH_COUNT_CAP + 1)


def _filtered(user: User, filters: QueueFilters, router: Router, now: datetime) -> Select:
    """The user's visible cases narrowed by every filter but the status tab and the page."""
    stmt = visible_complaints(user)
    if filters.agency_id:
        stmt = stmt.where(Complaint.agency_id == filters.agency_id)
    if filters.unit:
        agency_id, unit_id = filters.unit
        stmt = stmt.where(Complaint.agency_id == agency_id, Complaint.unit_id == unit_id)
    if filters.classification:
        stmt = stmt.where(Complaint.classification == filters.classification)
    if filters.due or filters.submitted_from or filters.submitted_to:
        days = {r: region_day(router, r, now) for r in _regions_in_play(user, filters, router)}
        fallback = region_day(router, "", now)
        if filters.due:
            due = _due_condition(filters.due)
            stmt = stmt.where(_per_region(days, fallback, _dates_of, due))
        if filters.submitted_from or filters.submitted_to:
            received = _received_condition(filters.submitted_from, filters.submitted_to)
            stmt = stmt.where(_per_region(days, fallback, lambda d: d.timezone, received))
    if filters.search:
        stmt = stmt.where(_search_condition(filters.search))
    if filters.holder == HOLDER_ME:
        stmt = stmt.where(Complaint.assigned_user_id == user.id)
    elif filters.holder == HOLDER_NONE:
        stmt = stmt.where(Complaint.assigned_user_id.is_(None))
    return stmt


def holder_counts_statement(
    user: User, filters: QueueFilters, router: Router, now: datetime
) -> CompoundSelect:
    """(holder, n) rows: the open cases under the other filters that the user holds, and
    that nobody holds, each counted up to the open statuses' cap (one index range each:
    assigned_user_id is indexed)."""
    base = _with_tab(
        _filtered(user, replace(filters, holder=None), router, now), TAB_OPEN
    ).with_only_columns(Complaint.id)
    cap = COUNT_CAP[status.NEW]
    conditions = {
        HOLDER_ME: Complaint.assigned_user_id == user.id,
        HOLDER_NONE: Complaint.assigned_user_id.is_(None),
    }
    return union_all(
        *(
            select(literal(key).label("holder"), func.count()).select_from(
                base.where(condition).limit(cap + 1).subquery()
            )
            for key, condition in conditions.items()
        )
    )


def _tab_statuses(tab: str) -> tuple[str, ...]:
    if tab == TAB_OPEN:
        return status.OPEN
    return (tab,) if tab in status.ALL else status.ALL


def _with_tab(stmt: Select, tab: str) -> Select:
    statuses = _tab_statuses(tab)
    if statuses == status.ALL:
        return stmt
    if len(statuses) == 1:
        return stmt.where(Complaint.status == statuses[0])
    return stmt.where(Complaint.status.in_(statuses))


def _regions_in_play(user: User, filters: QueueFilters, router: Router) -> tuple[str, ...]:
    """The regions whose clocks matter: the chosen agency's, else every one in scope."""
    agency_id = filters.unit[0] if filters.unit else filters.agency_id
    agency = router.agency(agency_id) if agency_id else None
    if agency is not None:
        return (agency.region_id,)
    regions = tuple(r.id for r in queue_scope(router, user).regions)
    return regions or ("",)


def _per_region(
    days: dict[str, RegionDay],
    fallback: RegionDay,
    key: Callable[[RegionDay], Hashable],
    condition: Callable[[RegionDay], ColumnElement[bool]],
) -> ColumnElement[bool]:
    """`condition` judged by each case's own region; one plain condition when they agree."""
    groups: dict[Hashable, tuple[RegionDay, list[str]]] = {}
    for region_id, day in days.items():
        groups.setdefault(key(day), (day, []))[1].append(region_id)
    if len(groups) == 1:
        (day, _), *_ = groups.values()
        return condition(day)
    parts = [and_(Complaint.region_id.in_(ids), condition(day)) for day, ids in groups.values()]
    # Cases of a region no longer in the routing file: judged by the fallback clock.
    parts.append(and_(Complaint.region_id.not_in(list(days)), condition(fallback)))
    return or_(*parts)


def _dates_of(day: RegionDay) -> tuple[date, date]:
    return day.today, day.next_working_day


def _due_condition(due: str) -> Callable[[RegionDay], ColumnElement[bool]]:
    if due == DUE_OVERDUE:
        return lambda day: Complaint.due_key < day.today
    return lambda day: Complaint.due_key.between(day.today, day.next_working_day)


def _received_condition(
    first: date | None, last: date | None
) -> Callable[[RegionDay], ColumnElement[bool]]:
    """Submitted on local days first..last inclusive, as the region's offices count days."""

    def condition(day: RegionDay) -> ColumnElement[bool]:
        zone = ZoneInfo(day.timezone)
        parts = []
        if first:
            parts.append(Complaint.submitted_at >= datetime.combine(first, time(), zone))
        if last:
            end = datetime.combine(last + timedelta(days=1), time(), zone)
            parts.append(Complaint.submitted_at < end)
        return and_(*parts)

    return condition


def _search_condition(term: str) -> ColumnElement[bool]:
    """Case-insensitive substring of title, description or tracking code.

    ILIKE '%term%' is what the trigram indexes of migration 0004 serve on PostgreSQL; a
    typed tracking code without its hyphen ("ksl7k3q9m") is matched exactly as well.
    """
    pattern = "%" + _escape_like(term) + "%"
    parts = [
        Complaint.title.ilike(pattern, escape="\\"),
        Complaint.description.ilike(pattern, escape="\\"),
        Complaint.tracking_code.ilike(pattern, escape="\\"),
    ]
    code = normalize_tracking_code(term)
    if code is not None:
        parts.append(Complaint.tracking_code == code)
    return or_(*parts)


def clean_search(text: str | None) -> str | None:
    """The search box's text without surrounding blanks or control characters: no stored
    text holds one (intake refuses them), and PostgreSQL refuses a NUL in a query."""
    return without_control(text).strip() if text else text


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- the page -----------------------------------------------------------------------------


def queue_page(user: User, filters: QueueFilters, router: Router, now: datetime) -> QueuePage:
    """The rows of one page, the counts of every tab and where the next page starts."""
    _plan_each_query()
    rows = None
    if filters.search:
        sample = db.session.execute(search_statement(user, filters, router, now)).all()
        counts = tab_counts(Counter(row.status for row in sample), searched=True)
        rows = page_from_sample(sample, filters)
        held = _held_in_sample(sample, user, filters)
    else:
        found = db.session.execute(counts_statement(user, filters, router, now)).all()
        counts = tab_counts(dict(found))
        stmt = holder_counts_statement(user, filters, router, now)
        cap = COUNT_CAP[status.NEW]
        held = {k: TabCount(min(n, cap), n > cap) for k, n in db.session.execute(stmt).all()}
    if rows is None:
        rows = db.session.execute(rows_statement(user, filters, router, now)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_cursor = None
    if more:
        last = rows[-1]
        key = last.submitted_at if filters.sort == SORT_NEWEST else last.due_key
        next_cursor = Cursor(filters.sort, key, last.id)
    days: dict[str, RegionDay] = {}
    emails = holder_emails({row.assigned_user_id for row in rows})
    return QueuePage(
        rows=[_queue_row(router, row, days, now, emails) for row in rows],
        counts=counts,
        next_cursor=next_cursor,
        holder_counts=held,
    )


def _held_in_sample(sample: list, user: User, filters: QueueFilters) -> dict[str, TabCount]:
    """The holder counts of a search, from its sample (the ILIKE runs once per page); none
    while a holder filter narrows the sample itself."""
    if filters.holder:
        return {}
    over = len(sample) > SEARCH_COUNT_CAP
    open_rows = [r for r in sample if r.status in status.OPEN]
    return {
        HOLDER_ME: TabCount(sum(r.assigned_user_id == user.id for r in open_rows), over),
        HOLDER_NONE: TabCount(sum(r.assigned_user_id is None for r in open_rows), over),
    }


def holder_emails(user_ids: set[int | None]) -> dict[int, str]:
    """The address (what staff know each other by) of each holder on a page: one query."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


def page_from_sample(sample: list, filters: QueueFilters) -> list | None:
    """What rows_statement would return, when the search sample is enough to tell.

    The sample holds the first matches of every tab in the page's order, so the matches of
    one tab after the cursor are the start of that tab's page. That start is the page
    when it is long enough, or when the sample holds every match; otherwise None.
    """
    statuses = _tab_statuses(filters.tab)
    after = filters.after
    if after is None:
        rows = [r for r in sample if r.status in statuses]
    elif filters.sort == SORT_NEWEST:
        mark = (after.key, after.id)
        rows = [r for r in sample if r.status in statuses and (r.submitted_at, r.id) < mark]
    else:
        mark = (after.key, after.id)
        rows = [r for r in sample if r.status in statuses and (r.due_key, r.id) > mark]
    if len(sample) <= SEARCH_COUNT_CAP or len(rows) > PAGE_SIZE:
        return rows[: PAGE_SIZE + 1]
    return None


def _plan_each_query() -> None:
    """Make PostgreSQL plan these statements for their actual values, in this transaction.

    psycopg prepares a statement run five times on a connection, and PostgreSQL then may
    switch to one generic plan for every value. For the queue that is the wrong trade: the
    best plan for "karangjati" (a few trigram hits) is a disaster for "kuitansi" (100,000),
    and a small agency wants another index than a big one. Planning costs under 1 ms.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def tab_counts(per_status: dict[str, int], searched: bool = False) -> dict[str, TabCount]:
    """Counts for every tab from what counts_statement found (see there for the caps)."""
    found = {s: per_status.get(s, 0) for s in status.ALL}
    if searched:  # a sample of the first matches: every count is "at least"
        over = sum(found.values()) > SEARCH_COUNT_CAP
        counts = {s: TabCount(n, over) for s, n in found.items()}
        most = SEARCH_COUNT_CAP
    else:
        counts = {s: TabCount(min(n, COUNT_CAP[s]), n > COUNT_CAP[s]) for s, n in found.items()}
        most = sum(COUNT_CAP.values())

    def total(statuses: Iterable[str]) -> TabCount:
        parts = [counts[s] for s in statuses]
        return TabCount(min(most, sum(c.n for c in parts)), any(c.capped for c in parts))

    return {TAB_OPEN: total(status.OPEN), **counts, TAB_ALL: total(status.ALL)}


def _queue_row(
    router: Router, row, days: dict[str, RegionDay], now: datetime, emails: dict[int, str]
) -> QueueRow:
    day = days.get(row.region_id)
    if day is None:
        day = days[row.region_id] = region_day(router, row.region_id, now)
    due = row.due_key if row.due_key != NO_DEADLINE else None
    left = state = None
    if due is not None:
        calendar = calendar_for(router.holidays_for(row.region_id))
        left = working_days_left(due, day.today, calendar)
        state = due_state(due, day.today, calendar)
    return QueueRow(
        tracking_code=row.tracking_code,
        title=row.title,
        confidential=row.confidential,
        anonymous=row.anonymous,
        agency_name=router.agency_name(row.agency_id),
        unit_name=router.unit_name(row.agency_id, row.unit_id),
        status=row.status,
        classification=row.classification,
        submitted_at=row.submitted_at,
        timezone=day.timezone,
        due=due,
        working_days_left=left,
        due_state=state if state in (DUE_OVERDUE, DUE_SOON) else None,
        holder=emails.get(row.assigned_user_id),
        unlisted=row.origin_service_id == OTHER_SERVICE_ID,
        moved_from=(
            router.region_name(row.transferred_from)
            if row.transferred_from and row.status == status.NEW
            else None
        ),
        locale=row.locale or "id",
    )

"""The staff queue: tabs and counts, filters, search, order and keyset pages, in scope only.

Cases are stored directly by the test factory (120 of them in a fraction of a second) with
the deadlines each test needs; pages are read through the real app as a signed-in user.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from portal.accounts.services import create_user
from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import local_date
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.staff import queue as queue_module
from portal.staff.queue import (
    COUNT_CAP,
    PAGE_SIZE,
    SEARCH_COUNT_CAP,
    TAB_ALL,
    TAB_OPEN,
    QueueFilters,
    TabCount,
    queue_page,
    tab_counts,
)
from portal.timeutil import utcnow
from tests.factories import stored_complaint

PASSWORD = "kata-sandi-uji-123"
# The code cell of each row (the title links to the case too).
CODE = re.compile(r'class="case-code"><a href="/staf/kasus/([A-Z]{2,4}-[A-Z0-9]{6})"')
NEXT = re.compile(r'rel="next" href="([^"]+)"')


def codes(page_html: str) -> list[str]:
    return CODE.findall(page_html)


USERS = {
    "admin": dict(role="regional-admin", region="kalsel"),
    "hst": dict(role="regional-admin", region="hst"),
    "super": dict(role="super-admin"),
    "agency": dict(role="agency-officer", agency="rsud-ulin"),
    "unit": dict(role="unit-officer", agency="rsud-ulin", unit="poli-umum"),
}


class _Accounts(dict):
    """Staff accounts made on first use: hashing a password is the slowest step here."""

    def __init__(self, router):
        super().__init__()
        self.router = router

    def __missing__(self, name: str):
        user = create_user(
            self.router, email=f"{name}@queue.example.org", password=PASSWORD, **USERS[name]
        )
        self[name] = user
        return user


@pytest.fixture
def users(app, router):
    return _Accounts(router)


@pytest.fixture
def signed_in(app, h, users):
    """A logged-in test client per user, made on first use (each login costs a hash)."""
    clients = {}

    def client_for(name: str):
        if name not in clients:
            users[name]  # creates the account
            client = app.test_client()
            assert h.login(client, f"{name}@queue.example.org", PASSWORD).status_code == 302
            clients[name] = client
        return clients[name]

    return client_for


def page_of(client, url: str = "/staf/antrian", problems: bool | None = False) -> str:
    """The page's HTML; `problems` says whether a filter message is expected (None: either)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    if problems is not None:
        assert ('role="alert"' in body) is problems, re.findall(r'role="alert">([^<]*)', body)
    return body


# --- order, tabs and pages ---------------------------------------------------------------


def test_default_tab_shows_open_cases_nearest_deadline_first(signed_in):
    today = date.today()
    late = stored_complaint(due=today - timedelta(days=3))
    soon = stored_complaint(due=today + timedelta(days=1), status=s.IN_PROGRESS)
    later = stored_complaint(due=today + timedelta(days=9), status=s.RESPONDED)
    held = stored_complaint(status=s.ON_HOLD)  # no clock runs: last
    closed = stored_complaint(status=s.CLOSED)
    shown = codes(page_of(signed_in("admin")))
    assert shown == [
        late.tracking_code,
        soon.tracking_code,
        later.tracking_code,
        held.tracking_code,
    ]
    assert closed.tracking_code not in shown
    finished = codes(page_of(signed_in("admin"), "/staf/antrian?status=closed"))
    assert finished == [closed.tracking_code]
    everything = codes(page_of(signed_in("admin"), "/staf/antrian?status=all"))
    assert set(everything) == {c.tracking_code for c in (late, soon, later, held, closed)}


def test_newest_first_is_the_alternative_order(signed_in):
    now = utcnow()
    old = stored_complaint(submitted_at=now - timedelta(days=5), due=date.today())
    new = stored_complaint(
        submitted_at=now - timedelta(hours=1), due=date.today() + timedelta(days=30)
    )
    assert codes(page_of(signed_in("admin"), "/staf/antrian?sort=newest")) == [
        new.tracking_code,
        old.tracking_code,
    ]


def _seed_many(n: int = 120) -> list[Complaint]:
    """n cases, many sharing a deadline (ties broken by id) or a submission instant."""
    base, now = date.today() - timedelta(days=10), utcnow()
    statuses = [s.NEW, s.VERIFIED, s.IN_PROGRESS, s.RESPONDED, s.ON_HOLD, s.CLOSED]
    cases = []
    for i in range(n):
        state = statuses[i % len(statuses)]
        running = state not in (s.ON_HOLD, s.CLOSED)
        cases.append(
            stored_complaint(
                status=state,
                due=base + timedelta(days=(i * 7) % 13) if running else None,
                submitted_at=now - timedelta(minutes=(i * 11) % 37),
                commit=False,
            )
        )
    db.session.commit()
    return cases


@pytest.mark.parametrize("sort", ["due", "newest"])
def test_keyset_pages_walk_every_case_once_in_order(signed_in, sort):
    cases = _seed_many(120)
    if sort == "due":
        expected = sorted(cases, key=lambda c: (c.due_key, c.id))
    else:
        expected = sorted(cases, key=lambda c: (c.submitted_at, c.id), reverse=True)
    client = signed_in("admin")
    url, pages, seen = f"/staf/antrian?status=all&sort={sort}", [], []
    while url:
        body = page_of(client, url)
        pages.append(len(codes(body)))
        seen += codes(body)
        assert "OFFSET" not in body
        following = NEXT.search(body)
        url = html.unescape(following.group(1)) if following else None
    assert pages == [PAGE_SIZE, PAGE_SIZE, 20]
    assert seen == [c.tracking_code for c in expected]


def _walk(user, router, **filters) -> list[list[str]]:
    """The codes of every page, following next_cursor as the next-page link does."""
    pages, after = [], None
    while True:
        page = queue_page(user, QueueFilters(after=after, **filters), router, utcnow())
        pages.append([r.tracking_code for r in page.rows])
        if page.next_cursor is None:
            return pages
        after = page.next_cursor


@pytest.mark.parametrize("sort", ["due", "newest"])
@pytest.mark.parametrize("tab", [TAB_OPEN, s.CLOSED, TAB_ALL])
def test_a_search_pages_like_the_plain_queue(users, router, monkeypatch, sort, tab):
    """A search is paged from its sample when that can tell, else by SQL: either way the
    pages are those of the plain queue (every seeded case matches "antrean")."""
    _seed_many(120)
    plain = _walk(users["admin"], router, tab=tab, sort=sort)
    assert plain[0] and (tab == s.CLOSED or len(plain) > 1)
    assert _walk(users["admin"], router, tab=tab, sort=sort, search="ANTREAN") == plain
    for cap in (10, 60, 90):  # a partial sample: the page from it, or from SQL
        monkeypatch.setattr(queue_module, "SEARCH_COUNT_CAP", cap)
        assert _walk(users["admin"], router, tab=tab, sort=sort, search="antrean") == plain


def test_next_page_keeps_filters_and_tab(signed_in):
    for _ in range(PAGE_SIZE + 5):
        stored_complaint(
            agency="bapenda-kalsel", unit="samsat-banjarbaru", due=date.today(), commit=False
        )
    stored_complaint(due=date.today())
    db.session.commit()
    client = signed_in("admin")
    body = page_of(client, "/staf/antrian?agency=bapenda-kalsel&status=new")
    following = html.unescape(NEXT.search(body).group(1))
    assert "agency=bapenda-kalsel" in following and "status=new" in following
    assert len(codes(page_of(client, following))) == 5


def test_tab_counts_follow_scope_and_filters(app, users, router):
    today = date.today()
    for state, n in ((s.NEW, 3), (s.IN_PROGRESS, 2), (s.ON_HOLD, 1), (s.CLOSED, 4)):
        for _ in range(n):
            stored_complaint(status=state, due=today if state in s.OPEN else None, commit=False)
    stored_complaint(status=s.NEW, due=today, agency="bapenda-kalsel", unit="samsat-banjarbaru")
    stored_complaint(status=s.NEW, due=today, agency="rsud-damanhuri", unit="igd")  # hst
    now = utcnow()

    def counts(user, **filters):
        page = queue_page(users[user], QueueFilters(**filters), router, now)
        return {tab: c.n for tab, c in page.counts.items() if c.n}

    assert counts("admin") == {TAB_OPEN: 7, s.NEW: 4, s.IN_PROGRESS: 2, s.ON_HOLD: 1,
                               s.CLOSED: 4, TAB_ALL: 11}  # fmt: skip
    assert counts("admin", agency_id="bapenda-kalsel") == {TAB_OPEN: 1, s.NEW: 1, TAB_ALL: 1}
    # The tab itself never changes the counts: they say what each tab would show.
    assert counts("admin", tab=s.CLOSED) == counts("admin")
    assert counts("unit") == {TAB_OPEN: 6, s.NEW: 3, s.IN_PROGRESS: 2, s.ON_HOLD: 1,
                              s.CLOSED: 4, TAB_ALL: 10}  # fmt: skip
    assert counts("hst") == {TAB_OPEN: 1, s.NEW: 1, TAB_ALL: 1}
    assert counts("super")[TAB_ALL] == 12
    assert counts("admin", search="antrean") == counts("admin")  # every case matches
    assert counts("admin", search="tidak ada") == {}


def test_counts_stop_at_the_cap():
    counts = tab_counts({st: (COUNT_CAP[st] + 1 if st == s.CLOSED else 2) for st in s.ALL})
    assert counts[s.CLOSED] == TabCount(COUNT_CAP[s.CLOSED], capped=True)
    assert counts[TAB_OPEN] == TabCount(2 * len(s.OPEN), capped=False)
    assert counts[TAB_ALL].capped
    # A search counts its first matches only: past the cap, every count is "at least".
    sample = {s.NEW: SEARCH_COUNT_CAP - 10, s.CLOSED: 11}
    counts = tab_counts(sample, searched=True)
    assert counts[s.NEW] == TabCount(SEARCH_COUNT_CAP - 10, capped=True)
    assert counts[TAB_ALL] == TabCount(SEARCH_COUNT_CAP, capped=True)
    assert counts[s.ARCHIVED] == TabCount(0, capped=True)
    assert not tab_counts({s.NEW: 3}, searched=True)[TAB_ALL].capped


def test_tabs_show_counts_on_the_page(signed_in):
    stored_complaint(due=date.today())
    stored_complaint(status=s.CLOSED)
    body = page_of(signed_in("admin"))
    assert re.search(r'aria-current="page">Semua terbuka <span class="count">1</span>', body)
    assert re.search(r'Selesai <span class="count">1</span>', body)


# --- filters ------------------------------------------------------------------------------


def test_agency_unit_and_classification_filters(signed_in):
    today = date.today()
    poli = stored_complaint(due=today)
    igd = stored_complaint(unit="igd", due=today, classification="information")
    samsat = stored_complaint(agency="bapenda-kalsel", unit="samsat-banjarbaru", due=today)
    client = signed_in("admin")
    assert codes(page_of(client, "/staf/antrian?agency=rsud-ulin")) == [
        poli.tracking_code,
        igd.tracking_code,
    ]
    assert codes(page_of(client, "/staf/antrian?unit=rsud-ulin/igd")) == [igd.tracking_code]
    assert codes(page_of(client, "/staf/antrian?classification=complaint")) == [
        poli.tracking_code,
        samsat.tracking_code,
    ]


def test_choices_are_limited_to_the_users_scope(signed_in):
    admin = page_of(signed_in("admin"))
    assert 'value="rsud-ulin"' in admin and 'value="rsud-damanhuri"' not in admin
    agency = page_of(signed_in("agency"))
    assert 'name="agency"' not in agency  # one agency: nothing to choose
    assert 'value="rsud-ulin/igd"' in agency and 'value="bapenda-kalsel' not in agency
    unit = page_of(signed_in("unit"))
    assert 'name="agency"' not in unit and 'name="unit"' not in unit
    everything = page_of(signed_in("super"))
    assert 'value="rsud-damanhuri"' in everything and 'value="rsud-ulin"' in everything


def test_text_search_over_title_description_and_code(signed_in):
    today = date.today()
    by_title = stored_complaint(title="Pungutan liar di loket", due=today)
    by_text = stored_complaint(description="Petugas meminta PUNGUTAN tambahan", due=today)
    other = stored_complaint(title="AC rusak", description="Ruang tunggu panas", due=today)
    percent = stored_complaint(title="Diskon 50% tidak berlaku", due=today)
    client = signed_in("admin")
    assert codes(page_of(client, "/staf/antrian?q=pungutan")) == [
        by_title.tracking_code,
        by_text.tracking_code,
    ]
    code = other.tracking_code
    assert codes(page_of(client, f"/staf/antrian?q={code.lower()}")) == [code]
    assert codes(page_of(client, f"/staf/antrian?q={code.replace('-', '')}")) == [code]
    assert codes(page_of(client, f"/staf/antrian?q={code[-4:]}")) == [code]
    # % and _ are text, not wildcards.
    assert codes(page_of(client, "/staf/antrian?q=50%25")) == [percent.tracking_code]
    assert codes(page_of(client, "/staf/antrian?q=a_c")) == []


def test_submitted_date_range_uses_the_regions_local_day(signed_in):
    # 2026-03-02 00:30 in Banjarmasin (WITA, UTC+8) is still 1 March in UTC.
    early = stored_complaint(submitted_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC), status=s.CLOSED)
    late = stored_complaint(submitted_at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC), status=s.CLOSED)
    client = signed_in("admin")
    march_2 = "/staf/antrian?status=all&from=2026-03-02&to=2026-03-02"
    assert codes(page_of(client, march_2)) == [early.tracking_code]
    march_1 = "/staf/antrian?status=all&to=2026-03-01"
    assert codes(page_of(client, march_1)) == [late.tracking_code]
    both = "/staf/antrian?status=all&from=2026-03-01&to=2026-03-02"
    assert set(codes(page_of(client, both))) == {early.tracking_code, late.tracking_code}


def test_due_filters_with_a_real_calendar(signed_in, router):
    """Through the page, judged by the real today: whatever day the suite runs on."""
    today = local_date(utcnow(), "Asia/Makassar")
    next_working = calendar_for(router.holidays_for("kalsel")).add_working_days(today, 1)
    late = stored_complaint(due=today - timedelta(days=1))
    due_today = stored_complaint(due=today)
    due_next = stored_complaint(due=next_working)
    stored_complaint(due=next_working + timedelta(days=1))
    stored_complaint(status=s.ON_HOLD)
    client = signed_in("admin")
    assert codes(page_of(client, "/staf/antrian?due=overdue")) == [late.tracking_code]
    assert codes(page_of(client, "/staf/antrian?due=due_soon")) == [
        due_today.tracking_code,
        due_next.tracking_code,
    ]


def test_due_soon_skips_eid_holidays_and_cuti_bersama(users, router):
    # Tuesday 17 March 2026, 10:00 WITA: Nyepi, Eid al-Fitr and cuti bersama close offices
    # from 18 to 24 March, so the next working day is Wednesday 25 March.
    now = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    on_holiday = stored_complaint(due=date(2026, 3, 24))
    after = stored_complaint(due=date(2026, 3, 25))
    stored_complaint(due=date(2026, 3, 26))
    late = stored_complaint(due=date(2026, 3, 16))
    page = queue_page(users["admin"], QueueFilters(due="due_soon"), router, now)
    assert [r.tracking_code for r in page.rows] == [on_holiday.tracking_code, after.tracking_code]
    page = queue_page(users["admin"], QueueFilters(due="overdue"), router, now)
    assert [r.tracking_code for r in page.rows] == [late.tracking_code]
    assert page.rows[0].working_days_left == -1 and page.rows[0].due_state == "overdue"


def test_super_admin_due_state_uses_each_regions_clock(users, router):
    # 16:30 UTC on 12 Aug 2026 is already 13 Aug (00:30 WITA) in Kalimantan Selatan but
    # still 12 Aug (23:30 WIB) in Muara Enim.
    now = datetime(2026, 8, 12, 16, 30, tzinfo=UTC)
    kalsel = stored_complaint(due=date(2026, 8, 12))
    muara = stored_complaint(agency="rsud-rabain", unit="poli-umum", region="muara-enim")
    muara.due_key = date(2026, 8, 12)
    db.session.commit()
    root = users["super"]
    overdue = queue_page(root, QueueFilters(due="overdue"), router, now)
    assert [r.tracking_code for r in overdue.rows] == [kalsel.tracking_code]
    soon = queue_page(root, QueueFilters(due="due_soon"), router, now)
    assert [r.tracking_code for r in soon.rows] == [muara.tracking_code]
    # 13 Aug: 14 Aug is Kalimantan Selatan's own holiday and 17 Aug Independence Day, so
    # its next working day is 18 Aug; Muara Enim works on the 14th.
    now = datetime(2026, 8, 13, 3, 0, tzinfo=UTC)
    kalsel.due_key = muara.due_key = date(2026, 8, 18)
    db.session.commit()
    soon = queue_page(root, QueueFilters(due="due_soon"), router, now)
    assert [r.tracking_code for r in soon.rows] == [kalsel.tracking_code]


# --- rows ---------------------------------------------------------------------------------


def test_rows_show_names_marks_and_working_days_left(signed_in):
    today = local_date(utcnow(), "Asia/Makassar")
    stored_complaint(
        title="Laporan rahasia",
        confidential=True,
        anonymous=True,
        due=today - timedelta(days=20),
    )
    body = page_of(signed_in("admin"))
    assert "RSUD Ulin Banjarmasin – Poli Umum" in body
    assert '<span class="badge">Rahasia</span>' in body
    assert '<span class="badge">Anonim</span>' in body
    assert 'class="is-overdue"' in body and "terlambat" in body
    assert "Belum terverifikasi" in body and "Pengaduan" in body
    assert 'data-label="Kode"' in body  # the phone layout labels each cell


def test_queue_in_english(signed_in):
    stored_complaint(due=date.today() + timedelta(days=20))
    client = signed_in("admin")
    client.get("/bahasa/en")
    body = page_of(client)
    assert "All open" in body and "working days left" in body


# --- scope and bad input ------------------------------------------------------------------


def test_queue_never_shows_another_scopes_cases(signed_in):
    today = date.today()
    poli = stored_complaint(due=today, title="Poli umum penuh")
    igd = stored_complaint(unit="igd", due=today, title="IGD penuh")
    samsat = stored_complaint(agency="bapenda-kalsel", unit="samsat-banjarbaru", due=today)
    hst = stored_complaint(agency="rsud-damanhuri", unit="igd", due=today, title="IGD penuh juga")
    visible = {
        "admin": {poli, igd, samsat},
        "hst": {hst},
        "agency": {poli, igd},
        "unit": {poli},
        "super": {poli, igd, samsat, hst},
    }
    for name, expected in visible.items():
        client = signed_in(name)
        want = {c.tracking_code for c in expected}
        for url in (
            "/staf/antrian?status=all",
            "/staf/antrian?status=all&agency=rsud-ulin",
            "/staf/antrian?status=all&agency=rsud-damanhuri",
            "/staf/antrian?status=all&unit=rsud-damanhuri/igd",
            "/staf/antrian?status=all&q=penuh",
            "/staf/antrian?status=all&sort=newest",
        ):
            assert set(codes(page_of(client, url, problems=None))) <= want, (name, url)
        assert set(codes(page_of(client, "/staf/antrian?status=all"))) == want, name


@pytest.mark.parametrize(
    "query, message",
    [
        ("agency=atlantis", "Filter “Instansi” tidak valid"),
        ("unit=rsud-ulin/nope", "Filter “Unit” tidak valid"),
        ("unit=../../etc", "Filter “Unit” tidak valid"),
        ("classification=x", "Filter “Klasifikasi” tidak valid"),
        ("due=tomorrow", "Filter “Batas waktu” tidak valid"),
        ("from=2026-13-45", "Filter “Diterima sejak” tidak valid"),
        ("to=yesterday", "Filter “Diterima sampai” tidak valid"),
        ("from=2026-03-05&to=2026-03-01", "Tanggal awal sesudah tanggal akhir"),
        ("status=deleted", "Filter “Status” tidak valid"),
        ("sort=random()", "Filter “Urutan” tidak valid"),
        ("q=ab", "Kata pencarian harus 3 sampai 100 karakter"),
        ("q=" + "x" * 101, "Kata pencarian harus 3 sampai 100 karakter"),
        ("after=garbage", "Tautan halaman tidak valid"),
        ("after=2026-02-30_5", "Tautan halaman tidak valid"),
        ("after=2026-01-01_99999999999999999999", "Tautan halaman tidak valid"),
        ("sort=newest&after=2026-01-01_5", "Tautan halaman tidak valid"),
        ("sort=newest&after=99999999999999999999_5", "Tautan halaman tidak valid"),
    ],
)
def test_bad_filter_values_are_ignored_with_a_message(signed_in, query, message):
    shown = stored_complaint(due=date.today())
    response = signed_in("admin").get(f"/staf/antrian?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message in body
    assert codes(body) == [shown.tracking_code]  # the rest of the page still works


def test_agency_of_another_scope_is_refused_not_widened(signed_in):
    stored_complaint(agency="rsud-damanhuri", unit="igd", due=date.today())
    body = page_of(signed_in("admin"), "/staf/antrian?agency=rsud-damanhuri", problems=True)
    assert "Filter “Instansi” tidak valid" in body and codes(body) == []


def test_empty_queue_says_so(signed_in):
    body = page_of(signed_in("unit"))
    assert "Belum ada laporan di antrean Anda." in body and 'rel="next"' not in body
    stored_complaint(due=date.today())
    body = page_of(signed_in("unit"), "/staf/antrian?q=tidak-ada")
    assert "Tidak ada laporan yang cocok dengan filter ini." in body and codes(body) == []


def test_open_case_indexes_list_exactly_the_open_statuses():
    """The partial indexes of migration 0004 serve the default tab only if their predicate
    names the same statuses as status.OPEN; a status added to one must go in the other."""
    migration = Path(__file__).parents[2] / "migrations" / "versions" / "0004_queue_search.py"
    predicate = re.search(r"status IN \(([^)]*)\)", migration.read_text()).group(1)
    assert tuple(re.findall(r"'([a-z_]+)'", predicate)) == s.OPEN

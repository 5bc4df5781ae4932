"""The recap's figures on a history worked out by hand, and the page, CSV and public page.

Working days, Kalimantan Selatan (national holidays; 18–20, 23–24 March 2026 closed):
- A filed Tue 17 Mar, answered Wed 25 Mar: (17, 25] holds only the 25th -> 1 day, on time
  (a complaint's 14 days run to mid-April); closed Thu 2 Apr: 25, 26, 27, 30, 31 Mar,
  1, 2 Apr -> 7 days.
- B (information, 5 days) filed Mon 2 Mar: due Mon 9 Mar. On hold Tue 3 -> Thu 5 Mar:
  2 days paused, due moves to Wed 11 Mar. Answered Thu 12 Mar: 3, 4, 5, 6, 9, 10, 11, 12
  -> 8 days minus 2 on hold = 6, and late (12 > 11). Closed Fri 13 Mar: 9 - 2 = 7 days.
- C rejected as spam: received, not handled.
- D (Bapenda) verified, never answered; due Fri 27 Mar (14 days skipping the holidays):
  unanswered after its deadline, and overdue now.
- E (Rahasia) filed Wed 1 Apr, answered Thu 2 Apr -> 1 day, on time; closed Mon 6 Apr:
  2 Apr, (3 Apr Good Friday), 6 Apr -> 2 days. Rated 5; B was rated 4.
- F filed in May: outside the period, but overdue now.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from portal.dashboard.figures import rounded
from portal.dashboard.overview import build_overview
from portal.dashboard.period import Period
from tests.functional.dashboard_data import seed_known_history

MARCH_APRIL = Period(date(2026, 3, 1), date(2026, 4, 1))
QUERY = "dari=2026-03&sampai=2026-04"
TODAY = date(2026, 6, 1)  # any day after D's and F's deadlines


@pytest.fixture
def known(app, router):
    return seed_known_history(router)


def overview(router, **kwargs):
    return build_overview(router, router.region("kalsel"), MARCH_APRIL, TODAY, **kwargs)


def test_the_hand_computed_region_figures(router, known):
    r = overview(router)
    assert rounded(r.total) == {
        "received": 5,  # A B C D E
        "handled": 4,  # without C (spam)
        "resolved": 3,  # A B E
        "resolved_pct": 75.0,
        "answered_on_time": 2,  # A E (B was a day late)
        "on_time_pct": 50.0,  # 2 of A B E + D (unanswered past its deadline)
        "response_median": 1.0,  # 1, 1, 6
        "response_mean": 2.7,  # 8 / 3
        "completion_median": 7.0,  # 2, 7, 7
        "completion_mean": 5.3,  # 16 / 3
        "overdue_now": 2,  # D and F (F is outside the period, but late today)
        "rating_mean": 4.5,  # 4 and 5
    }


def test_agency_rows_put_the_slow_desk_first(router, known):
    r = overview(router)
    by_id = {g.id: rounded(g.figures) for g in r.groups}
    assert by_id["rsud-ulin"] | {} == {
        "received": 4,
        "handled": 3,
        "resolved": 3,
        "resolved_pct": 100.0,
        "answered_on_time": 2,
        "on_time_pct": 66.7,
        "response_median": 1.0,
        "response_mean": 2.7,
        "completion_median": 7.0,
        "completion_mean": 5.3,
        "overdue_now": 1,  # F
        "rating_mean": 4.5,
    }
    bapenda = by_id["bapenda-kalsel"]
    assert (bapenda["received"], bapenda["resolved_pct"], bapenda["on_time_pct"]) == (1, 0.0, 0.0)
    assert bapenda["response_median"] is None and bapenda["overdue_now"] == 1
    # Agencies with no report still show, with zeros and no shares.
    assert by_id["dpmptsp-kalsel"]["received"] == 0
    assert by_id["dpmptsp-kalsel"]["resolved_pct"] is None
    # Bapenda (overdue, 0% on time) tops RSUD Ulin (overdue, 67%); silent agencies follow.
    assert [g.id for g in r.groups[:2]] == ["bapenda-kalsel", "rsud-ulin"]


def test_units_of_an_agency_and_the_months(router, known):
    r = overview(router, agency_id="rsud-ulin")
    units = {g.id: g.figures for g in r.groups}
    assert units["poli-umum"].received == 3 and units["instalasi-farmasi"].excluded == 1
    assert units["igd"].received == 0
    months = {m: rounded(f) for m, f in r.months}
    assert months[date(2026, 3, 1)]["received"] == 3  # A B C
    assert months[date(2026, 4, 1)]["received"] == 1  # E
    assert months[date(2026, 3, 1)]["response_mean"] == 3.5  # A 1, B 6
    assert months[date(2026, 4, 1)]["on_time_pct"] == 100.0
    classes = dict(r.classifications)
    assert classes["information"].response_median == 6
    assert classes["aspiration"].received == 1


def test_the_public_recap_leaves_rahasia_reports_out(router, known):
    r = overview(router, public=True)
    assert rounded(r.total) == {
        "received": 4,  # E (Rahasia) is not counted anywhere
        "handled": 3,
        "resolved": 2,
        "resolved_pct": 66.7,
        "answered_on_time": 1,
        "on_time_pct": 33.3,  # A of A B D
        "response_median": 3.5,  # 1 and 6
        "response_mean": 3.5,
        "completion_median": 7.0,
        "completion_mean": 7.0,
        "overdue_now": 2,
        "rating_mean": 4.0,
    }
    assert "aspiration" not in dict(r.classifications)
    assert r.overdue == []  # the public never gets a case list


def test_a_new_change_reaches_the_next_read(router, known):
    from tests.functional.dashboard_data import act_at, case_by_code

    assert overview(router).total.late_unanswered == 1
    act_at(router, case_by_code(known.d), "respond", "2026-06-01", text="Sudah kami koreksi.")
    after = overview(router)
    assert after.total.late_unanswered == 0 and after.total.answered == 4
    assert rounded(after.total)["on_time_pct"] == 50.0  # D answered late: 2 of 4


def test_an_empty_period_is_an_empty_state_not_an_error(router, known, staff):
    r = build_overview(
        router, router.region("kalsel"), Period(date(2020, 1, 1), date(2020, 2, 1)), TODAY
    )
    assert r.total.received == 0 and r.total.resolved_share is None
    assert r.total.on_time_share is None and r.total.response_median is None
    page = staff["leader"].get("/staf/dasbor?dari=2020-01&sampai=2020-02")
    assert page.status_code == 200
    assert "Belum ada laporan pada periode ini." in page.get_data(as_text=True)
    sheet = staff["leader"].get("/staf/dasbor/unduh.csv?dari=2020-01&sampai=2020-02")
    reader = csv.DictReader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff")))
    total = next(reader)
    assert total["masuk"] == "0" and total["persen_selesai"] == ""


def _page_rows(html: str, table_id: str) -> dict[str, list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    rows = {}
    for row_id, body in re.findall(r'<tr[^>]*data-id="([^"]+)"[^>]*>(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        rows[row_id] = [re.sub(r"<[^>]+>", "", c).strip() for c in cells[1:]]
    return rows


def _as_page(value: str) -> str:
    """The CSV's 66.7 as the Indonesian page writes it (66,7); empty as a dash."""
    if value == "":
        return "—"
    number = float(value)
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def test_page_csv_and_public_page_show_the_same_figures(router, known, staff, client):
    leader = staff["leader"]
    page = _page_rows(leader.get(f"/staf/dasbor?{QUERY}").get_data(as_text=True), "rekap")
    sheet = leader.get(f"/staf/dasbor/unduh.csv?{QUERY}")
    assert sheet.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff"))))
    header, data = rows[0], rows[1:]
    first_figure = header.index("masuk")
    from_csv = {
        ("total" if r[1] == "daerah" else r[2]): [_as_page(v) for v in r[first_figure:]]
        for r in data
    }
    assert page == from_csv
    assert page["total"][0] == "5" and page["rsud-ulin"][5] == "66,7"

    public_html = client.get(f"/statistik/kalsel?{QUERY}").get_data(as_text=True)
    public = _page_rows(public_html, "rekap")
    expected = overview(router, public=True)
    assert public["total"][0] == str(expected.total.received) == "4"
    assert public["total"][5] == "33,3"


def test_nothing_of_a_rahasia_report_reaches_the_public_page(router, known, client):
    response = client.get(f"/statistik/kalsel?{QUERY}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "RAHASIA-JUDUL" not in html and known.e not in html
    assert "Uraian laporan" not in html and known.a not in html  # no case content at all
    assert "Aspirasi" not in html  # E was the only aspiration: even its class is left out
    assert "public" in response.headers["Cache-Control"]


def test_leaders_see_their_overdue_cases_with_who_holds_them(known, staff):
    html = staff["leader"].get(f"/staf/dasbor?{QUERY}").get_data(as_text=True)
    overdue = re.search(r'id="terlambat".*?</div>', html, re.S).group(0)
    assert known.d in overdue and known.f in overdue and known.a not in overdue
    assert "poli@kalsel.example.org" in overdue  # the Poli Umum officer holds F


@pytest.mark.parametrize(
    "who, url, expected",
    [
        ("hst_admin", "/staf/dasbor?daerah=kalsel", 404),
        ("hst_admin", "/staf/dasbor/instansi/rsud-ulin", 404),
        ("hst_admin", "/staf/dasbor/unduh.csv?instansi=rsud-ulin", 404),
        ("hst_admin", "/staf/dasbor/unduh.csv?daerah=kalsel", 404),
        ("agency", "/staf/dasbor", 403),
        ("unit", "/staf/dasbor/unduh.csv", 403),
        ("leader", "/staf/dasbor/instansi/tidak-ada", 404),
        ("leader", "/staf/dasbor/instansi/rsud-ulin", 200),
        ("admin", "/staf/dasbor", 200),
    ],
)
def test_another_regions_recap_is_not_found(staff, who, url, expected):
    assert staff[who].get(url).status_code == expected


def test_a_leader_of_another_region_gets_404(app, router, h):
    from portal.accounts.services import create_user

    create_user(router, email="bupati@hst.example.org", password="sandi-uji-12345",
                role="leader", region="hst")  # fmt: skip
    client = app.test_client()
    assert h.login(client, "bupati@hst.example.org", "sandi-uji-12345").status_code == 302
    assert client.get("/staf/dasbor?daerah=kalsel").status_code == 404
    assert client.get("/staf/dasbor").status_code == 200  # its own region


def test_an_unreadable_period_shows_the_default_with_a_message(staff, known):
    page = staff["leader"].get("/staf/dasbor?dari=2026-13&sampai=kemarin")
    assert page.status_code == 200
    assert "Periode tidak dapat dibaca" in page.get_data(as_text=True)
    assert staff["leader"].get("/staf/dasbor?periode=selamanya").status_code == 200


def test_the_public_index_and_an_unknown_region(client):
    assert "Kalimantan Selatan" in client.get("/statistik").get_data(as_text=True)
    assert client.get("/statistik/atlantis").status_code == 404

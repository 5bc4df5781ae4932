"""The dashboard's pure parts: histograms, periods, working-day figures and SVG charts."""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET  # parses only SVG this project drew
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.clocks.calendar import WorkingCalendar
from portal.dashboard import histogram
from portal.dashboard.charts import Series, bar_chart, line_chart
from portal.dashboard.figures import Figures, rounded
from portal.dashboard.metrics import answered_on_time, working_days_taken
from portal.dashboard.period import (
    Period,
    PeriodError,
    month_bounds,
    month_of,
    parse_period,
    preset_period,
)

SVG = "{http://www.w3.org/2000/svg}"


@given(st.lists(st.integers(min_value=0, max_value=90), min_size=1, max_size=200))
def test_the_histogram_median_and_mean_are_those_of_the_values(values):
    hist = histogram.decode(histogram.encode(Counter(values)))
    assert histogram.median(hist) == statistics.median(values)
    assert histogram.mean(hist) == pytest.approx(statistics.fmean(values))


@given(st.lists(st.lists(st.integers(0, 30), max_size=20), max_size=6))
def test_merged_histograms_give_the_median_of_all_values(groups):
    merged = sum((histogram.decode(histogram.encode(Counter(g))) for g in groups), Counter())
    values = [v for g in groups for v in g]
    assert histogram.median(merged) == (statistics.median(values) if values else None)


def test_empty_figures_divide_nothing():
    f = Figures()
    assert f.resolved_share is None and f.on_time_share is None
    assert f.response_median is None and f.rating_mean is None
    assert rounded(f)["resolved_pct"] is None and f.empty


def test_working_days_leave_out_holidays_weekends_and_hold():
    calendar = WorkingCalendar()
    # Tue 17 Mar 2026 -> Wed 25 Mar: Nyepi, Eid al-Fitr and cuti bersama in between.
    assert working_days_taken(date(2026, 3, 17), date(2026, 3, 25), 0, calendar) == 1
    assert working_days_taken(date(2026, 3, 2), date(2026, 3, 12), 2, calendar) == 6
    assert working_days_taken(date(2026, 3, 2), date(2026, 3, 2), 0, calendar) == 0
    assert working_days_taken(date(2026, 3, 2), date(2026, 3, 3), 5, calendar) == 0
    assert answered_on_time(date(2026, 3, 11), date(2026, 3, 11))
    assert not answered_on_time(date(2026, 3, 12), date(2026, 3, 11))


def test_a_month_is_counted_in_the_regions_own_time():
    start, end = month_bounds(date(2026, 3, 1), "Asia/Makassar")
    assert start == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    # 00:30 WITA on 1 March is still February in UTC, and March in Banjarmasin.
    assert month_of(datetime(2026, 2, 28, 16, 30, tzinfo=UTC), "Asia/Makassar") == date(2026, 3, 1)
    assert month_of(datetime(2026, 2, 28, 16, 30, tzinfo=UTC), "Asia/Jakarta") == date(2026, 2, 1)


def test_periods_from_presets_and_months():
    today = date(2026, 11, 22)
    assert preset_period("12-bulan", today) == Period(
        date(2025, 12, 1), date(2026, 11, 1), "12-bulan"
    )
    assert preset_period("tahun-lalu", today).months[0] == date(2025, 1, 1)
    assert len(preset_period("tahun-lalu", today).months) == 12
    assert parse_period(None, "2026-03", "2026-04", today) == Period(
        date(2026, 3, 1), date(2026, 4, 1)
    )
    assert parse_period(None, "2026-03", None, today).months == [date(2026, 3, 1)]


@pytest.mark.parametrize(
    "first, last", [("2026-13", None), ("2026-04", "2026-03"), ("1990-01", "2026-01"), ("x", "y")]
)
def test_unreadable_periods_are_refused_with_a_reason(first, last):
    with pytest.raises(PeriodError):
        parse_period(None, first, last, date(2026, 11, 22))


def test_charts_are_well_formed_svg_with_escaped_text():
    labels = ["Jan 26", "Feb 26", "<Mar>"]
    svg = bar_chart('Masuk & "selesai"', labels, [Series("masuk", [3, 0, 7], "s1")])
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg" and len(root.findall(f"{SVG}rect")) == 2  # no bar for 0
    line = ET.fromstring(  # noqa: S314 - our own output
        line_chart("Hari", labels, [Series("rata-rata", [2.5, None, 1.0], "s1")], "%", 100)
    )
    assert len(line.findall(f"{SVG}circle")) == 2  # a month without cases leaves a gap
    assert line.findall(f"{SVG}polyline") == []  # …and no line across it
    empty = ET.fromstring(bar_chart("Kosong", [], []))  # noqa: S314 - our own output
    assert empty.find(f"{SVG}title").text == "Kosong"


@pytest.mark.parametrize(
    "first, last",
    [("0001-01", None), (None, "9999-12"), ("0001-01", "0002-01"), ("1999-12", "2000-01")],
)
def test_months_outside_2000_to_next_year_are_refused(first, last):
    # Year 1 overflowed the month bounds in the region's time zone; 9999 overflowed add_months.
    with pytest.raises(PeriodError):
        parse_period(None, first, last, date(2026, 11, 22))
    assert parse_period(None, "2000-01", "2000-02", date(2026, 11, 22)).first == date(2000, 1, 1)
    assert parse_period(None, "2027-12", None, date(2026, 11, 22)).last == date(2027, 12, 1)

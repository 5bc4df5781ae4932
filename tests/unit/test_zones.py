"""Staff read every time on their region's clock, named the Indonesian way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.clocks.zones import on_clock, zone_label, zones_label

NOON_UTC = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "timezone, label, hour",
    [
        ("Asia/Jakarta", "WIB", 19),
        ("Asia/Pontianak", "WIB", 19),  # West Kalimantan keeps western time
        ("Asia/Makassar", "WITA", 20),
        ("Asia/Jayapura", "WIT", 21),
    ],
)
def test_each_indonesian_zone_has_its_name_and_its_hour(timezone, label, hour):
    assert zone_label(timezone) == label
    assert on_clock(NOON_UTC, timezone).hour == hour


def test_a_zone_outside_indonesia_keeps_its_iana_name():
    assert zone_label("Europe/Amsterdam") == "Europe/Amsterdam"


def test_a_naive_moment_from_sqlite_is_read_as_utc():
    naive = NOON_UTC.replace(tzinfo=None)
    assert on_clock(naive, "Asia/Makassar") == on_clock(NOON_UTC, "Asia/Makassar")
    assert on_clock(naive, "Asia/Makassar").strftime("%H:%M") == "20:00"


def test_a_page_of_several_regions_names_each_clock_once():
    zones = ["Asia/Makassar", "Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar"]
    assert zones_label(zones) == "WITA/WIB"
    assert zones_label([]) == ""

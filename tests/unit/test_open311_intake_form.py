"""The GeoReport form read into a NewReport: field names, attributes, defaults, dates."""

from __future__ import annotations

from datetime import date

import pytest

from portal.intake.report import TITLE_MAX
from portal.open311.filing import submission_key_for
from portal.open311.intake_form import Place, default_title, parse_form, parse_incident_date
from portal.routing.model import Bounds

KALSEL = Place("Asia/Makassar", whatsapp=True, sms=True)
NO_PHONE = Place("Asia/Jakarta", whatsapp=False, sms=False)
TODAY = date(2026, 12, 3)
DESCRIPTION = "Antrean pendaftaran macet\nSaya menunggu tiga jam di loket tanpa kejelasan."


def parse(place: Place = KALSEL, **fields: str):
    form = {
        "description": DESCRIPTION,
        "lat": "-3.3",
        "long": "114.6",
        "first_name": "Siti",
        "email": "siti@example.org",
    }
    form.update(fields)
    form = {k: v for k, v in form.items() if v is not None}
    return parse_form(
        form,
        submission_key="k" * 32,
        locale="id",
        place=place,
        today=TODAY,
        categories={"waktu-layanan"},
    )


def test_a_plain_form_has_no_problems_and_the_defaults():
    parsed = parse()
    assert parsed.problems == {}
    report = parsed.report
    assert report.title == "Antrean pendaftaran macet"
    assert report.classification == "complaint"
    assert (report.anonymous, report.confidential) == (False, False)
    assert report.notify_via == "email" and report.reporter_name == "Siti"
    assert (report.latitude, report.longitude) == (-3.3, 114.6)


def test_the_name_joins_first_and_last():
    assert parse(last_name="  Aminah ").report.reporter_name == "Siti Aminah"
    assert parse(first_name=None, last_name="Aminah").report.reporter_name == "Aminah"


def test_the_default_title_is_cut_at_a_word():
    long_line = "kata " * 60
    title = default_title(long_line)
    assert len(title) <= TITLE_MAX and long_line.startswith(title) and not title.endswith(" ")
    assert default_title("x" * 400) == "x" * TITLE_MAX
    assert default_title("\n\n  Baris pertama  \nkedua") == "Baris pertama"


@pytest.mark.parametrize(
    ("place", "fields", "expected"),
    [
        (KALSEL, {"email": None, "phone": "0812 3456 7890"}, "whatsapp"),
        (
            Place("Asia/Makassar", whatsapp=False, sms=True),
            {"email": None, "phone": "0812 3456 7890"},
            "sms",
        ),
        (NO_PHONE, {"email": None, "phone": "0812 3456 7890"}, None),
        (KALSEL, {"phone": "0812 3456 7890"}, "email"),
        (KALSEL, {"attribute[notify_via]": "sms", "phone": "0812 3456 7890"}, "sms"),
    ],
)
def test_notify_via_defaults_to_what_was_given_and_the_region_sends(place, fields, expected):
    assert parse(place, **fields).report.notify_via == expected


def test_a_medium_the_region_has_off_is_refused():
    parsed = parse(NO_PHONE, phone="0812 3456 7890", **{"attribute[notify_via]": "whatsapp"})
    assert set(parsed.problems) == {"attribute[notify_via]"}


def test_incident_dates_are_read_in_the_regions_zone():
    assert parse_incident_date("2026-12-01", "Asia/Makassar") == date(2026, 12, 1)
    assert parse_incident_date("2026-11-30T23:30:00Z", "Asia/Makassar") == date(2026, 12, 1)
    assert parse_incident_date("2026-11-30T23:30:00Z", "Asia/Jakarta") == date(2026, 12, 1)
    assert parse_incident_date("2026-11-30T16:30:00Z", "Asia/Jakarta") == date(2026, 11, 30)
    assert parse_incident_date("2026-11-30T10:00:00", "Asia/Jayapura") == date(2026, 11, 30)
    for bad in ("kemarin", "2026-02-30", "2026-13-01", "30/11/2026", "2026-11-30T25:00"):
        assert parse_incident_date(bad, "Asia/Makassar") is None, bad


def test_problems_are_named_by_the_open311_field():
    parsed = parse(
        description="pendek",
        email="x@",
        phone="12",
        first_name="N" * 200,
        address_string="a" * 201,
        **{"attribute[incident_date]": "2027-01-01", "attribute[confidential]": "ya"},
    )
    assert set(parsed.problems) == {
        "description",
        "email",
        "phone",
        "first_name",
        "address_string",
        "attribute[incident_date]",
        "attribute[confidential]",
    }  # the title came from the description: its problem is said once


def test_coordinates_one_of_two_nan_and_bounds():
    assert set(parse(long=None).problems) == {"long"}
    assert set(parse(lat=None).problems) == {"lat"}
    assert set(parse(lat="nan").problems) == {"lat"}
    assert set(parse(lat="utara").problems) == {"lat"}
    box = Place("Asia/Makassar", True, True, Bounds(-4.2, 114.3, -1.3, 116.6))
    assert set(parse(box, lat="-6.2", long="106.8").problems) == {"lat"}
    assert parse(box).problems == {}
    assert set(parse(lat=None, long=None).problems) == {"location"}
    assert parse(lat=None, long=None, address_id="a-1").problems == {}


def test_idempotency_keys_are_separate_per_api_key():
    first = submission_key_for("secret", 1, "sama-untuk-semua-0001")
    assert first == submission_key_for("secret", 1, "sama-untuk-semua-0001")
    assert first != submission_key_for("secret", 2, "sama-untuk-semua-0001")
    assert first != submission_key_for("other", 1, "sama-untuk-semua-0001")
    assert 16 <= len(first) <= 64

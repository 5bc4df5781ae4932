"""The intake rules on their own: every channel asks these, so each rule is pinned here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from portal.complaints import channels
from portal.intake import report as rules
from portal.intake.report import NewReport, Problem
from portal.routing.model import Bounds

TODAY = date(2026, 12, 1)

GOOD = NewReport(
    submission_key="k" * 32,
    classification="complaint",
    title="Antrean pendaftaran lama",
    description="Saya menunggu tiga jam di loket pendaftaran.",
    reporter_name="Siti Aminah",
    reporter_phone="0812 3456 7890",
)


def problems(report: NewReport, **kwargs) -> dict[str, str]:
    found = report.problems(today=TODAY, categories={"pungli", "kualitas-layanan"}, **kwargs)
    return {name: p.render(lambda s: s) for name, p in found.items()}


def test_a_good_report_has_no_problems():
    assert problems(GOOD) == {}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"classification": "rumor"}, "classification", "Pilih jenis laporan."),
        ({"classification": ""}, "classification", "Pilih jenis laporan."),
        ({"title": ""}, "title", "Judul wajib diisi."),
        ({"title": "   "}, "title", "Judul wajib diisi."),
        ({"title": "abcd"}, "title", "Judul harus 5 sampai 150 karakter."),
        ({"title": "a" * 151}, "title", "Judul harus 5 sampai 150 karakter."),
        ({"description": ""}, "description", "Isi laporan wajib diisi."),
        (
            {"description": "terlalu pendek"},
            "description",
            "Isi laporan harus 20 sampai 5000 karakter.",
        ),
        ({"description": "x" * 5001}, "description", "Isi laporan harus 20 sampai 5000 karakter."),
        ({"category": "bukan-kategori"}, "category", "Kategori tidak dikenal. Pilih dari daftar."),
        (
            {"incident_date": date(2026, 12, 2)},
            "incident_date",
            "Tanggal kejadian tidak boleh di masa depan.",
        ),
        ({"location": "l" * 201}, "location", "Paling banyak 200 karakter."),
        ({"reporter_name": "n" * 121}, "reporter_name", "Paling banyak 120 karakter."),
        (
            {"reporter_name": None},
            "reporter_name",
            "Nama wajib diisi, kecuali Anda memilih Anonim.",
        ),
        (
            {"reporter_phone": "12ab"},
            "reporter_phone",
            "Nomor HP tidak valid (contoh: 0812 3456 7890).",
        ),
        (
            {"reporter_phone": None},
            "reporter_phone",
            "Isi nomor HP atau e-mail agar petugas dapat menghubungi Anda.",
        ),
        ({"reporter_email": "bukan-email"}, "reporter_email", "Alamat e-mail tidak valid."),
        ({"reporter_email": "a" * 250 + "@x.id"}, "reporter_email", "Paling banyak 254 karakter."),
        (
            {"submission_key": "short"},
            "submission_key",
            "Formulir tidak lengkap. Muat ulang halaman.",
        ),
        (
            {"submission_key": "k" * 65},
            "submission_key",
            "Formulir tidak lengkap. Muat ulang halaman.",
        ),
    ],
)
def test_each_rule_names_its_field(changes, field, message):
    assert problems(replace(GOOD, **changes)) == {field: message}


def test_today_and_earlier_incident_dates_are_fine():
    assert problems(replace(GOOD, incident_date=TODAY)) == {}
    assert problems(replace(GOOD, incident_date=date(2020, 1, 1))) == {}


def test_known_category_is_fine_and_none_skips_the_check():
    assert problems(replace(GOOD, category="pungli")) == {}
    odd = replace(GOOD, category="bukan-kategori")
    assert odd.problems(today=TODAY, categories=None) == {}


def test_an_email_alone_is_enough_contact():
    assert problems(replace(GOOD, reporter_phone=None, reporter_email="siti@example.org")) == {}


def test_anonim_needs_neither_name_nor_contact():
    anonymous = replace(GOOD, anonymous=True, reporter_name=None, reporter_phone=None)
    assert problems(anonymous) == {}


def test_photo_count():
    assert problems(GOOD, photo_count=3) == {}
    assert problems(GOOD, photo_count=4) == {"photos": "Paling banyak 3 foto."}


def test_several_problems_at_once_each_under_its_field():
    bad = replace(GOOD, title="", description="", reporter_name=None, reporter_phone=None)
    assert set(problems(bad)) == {"title", "description", "reporter_name", "reporter_phone"}


def test_messages_are_translated_where_shown():
    problem = Problem("Judul harus %(min)s sampai %(max)s karakter.", {"min": 5, "max": 150})
    english = {"Judul harus %(min)s sampai %(max)s karakter.": "Title: %(min)s to %(max)s."}
    assert problem.render(lambda s: english.get(s, s)) == "Title: 5 to 150."


def test_every_channel_is_named():
    assert channels.CHANNELS == ("web", "counter", "phone", "api", "whatsapp", "sms")


def test_invalid_report_carries_its_problems():
    found = replace(GOOD, title="").problems(today=TODAY)
    error = rules.InvalidReport(found)
    assert error.problems == found and "title" in str(error)


@pytest.mark.parametrize("field", sorted(rules.TEXT_FIELDS))
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_any_text_field_is_named(field, char):
    value = getattr(GOOD, field) or "teks biasa"
    found = problems(replace(GOOD, **{field: value[:3] + char + value[3:]}))
    assert found[field] == rules.CONTROL_PROBLEM


def test_the_description_keeps_its_line_breaks_and_tabs_but_a_title_does_not():
    lines = "Baris pertama yang cukup panjang.\r\n\tBaris kedua."
    assert problems(replace(GOOD, description=lines)) == {}
    assert problems(replace(GOOD, title="Antrean\nlama")) == {"title": rules.CONTROL_PROBLEM}
    assert problems(replace(GOOD, reporter_name="Siti\tAminah")) == {
        "reporter_name": rules.CONTROL_PROBLEM
    }


def test_an_incident_date_before_1900_is_a_typo():
    assert problems(replace(GOOD, incident_date=date(1, 1, 1))) == {
        "incident_date": "Tanggal kejadian paling awal 1900."
    }
    assert problems(replace(GOOD, incident_date=date(1900, 1, 1))) == {}


# --- coordinates (the Open311 API's lat/long) ----------------------------------------------

KALSEL = Bounds(south=-4.2, west=114.3, north=-1.3, east=116.6)


def test_coordinates_inside_the_box_are_fine():
    report = replace(GOOD, latitude=-3.3194, longitude=114.5908)
    assert problems(report, bounds=KALSEL) == {}
    assert problems(report) == {}  # no box: any valid coordinates


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (-3.3, None, "Isi lintang dan bujur bersama-sama."),
        (None, 114.5, "Isi lintang dan bujur bersama-sama."),
        (float("nan"), 114.5, "Lintang dan bujur harus berupa angka."),
        (-3.3, float("inf"), "Lintang dan bujur harus berupa angka."),
        (91.0, 114.5, "Lintang harus -90 sampai 90 dan bujur -180 sampai 180."),
        (-3.3, -180.5, "Lintang harus -90 sampai 90 dan bujur -180 sampai 180."),
        (-6.2, 106.8, "Lokasi ini berada di luar wilayah layanan."),  # Jakarta, not Kalsel
    ],
)
def test_bad_coordinates_are_refused(latitude, longitude, message):
    report = replace(GOOD, latitude=latitude, longitude=longitude)
    assert problems(report, bounds=KALSEL) == {"latitude": message}


def test_an_address_id_is_bounded_and_plain():
    assert problems(replace(GOOD, address_id="x" * 64)) == {}
    assert problems(replace(GOOD, address_id="x" * 65)) == {
        "address_id": "Paling banyak 64 karakter."
    }
    assert "address_id" in problems(replace(GOOD, address_id="A\x00B"))

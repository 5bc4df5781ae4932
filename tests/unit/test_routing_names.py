"""English names beside the Indonesian ones (`name_en:`) and the built-in "Layanan lain"."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from portal.routing.loader import compile_text, load_router
from portal.routing.model import (
    OTHER_SERVICE_ID,
    Agency,
    Region,
    RoutingFileError,
    Unit,
    can_file,
    category_choices,
    localized_name,
)
from tests.unit.test_routing_errors import BASE, issues_of, line_with

ROOT_FILE = Path(__file__).resolve().parents[2] / "routing_rules.yaml"

NAMED = """\
version: 1
categories:
  - {id: perilaku-petugas, name: Perilaku petugas, name_en: Staff conduct}
  - {id: lainnya, name: Lainnya}
regions:
  - id: kalsel
    name: Provinsi Kalimantan Selatan
    name_en: South Kalimantan Province
    prefix: KSL
    timezone: Asia/Makassar
    agencies:
      - id: rsud-ulin
        name: RSUD Ulin Banjarmasin
        name_en: Ulin Hospital
        other_unit: kasir
        units:
          - id: poli-umum
            name: Poli Umum
            name_en: General Clinic
            services:
              - id: pendaftaran
                name: Pendaftaran Pasien
                name_en: Patient Registration
          - id: kasir
            name: Kasir
    rules:
      - id: petugas-ke-poli
        when: {service: layanan-lain, category: perilaku-petugas}
        route_to: {agency: rsud-ulin, unit: poli-umum}
"""


def test_english_names_are_read_everywhere():
    router = compile_text(NAMED)
    region = router.region("kalsel")
    agency = router.agency("rsud-ulin")
    unit = router.unit("rsud-ulin", "poli-umum")
    service = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran").service
    assert [region.name_en, agency.name_en, unit.name_en, service.name_en] == [
        "South Kalimantan Province",
        "Ulin Hospital",
        "General Clinic",
        "Patient Registration",
    ]
    assert router.category("perilaku-petugas").name_en == "Staff conduct"
    assert router.unit("rsud-ulin", "kasir").name_en is None


def test_the_name_for_a_locale_falls_back_to_indonesian():
    router = compile_text(NAMED)
    unit, kasir = router.unit("rsud-ulin", "poli-umum"), router.unit("rsud-ulin", "kasir")
    assert localized_name(unit, "en") == "General Clinic"
    assert localized_name(unit, "en_US") == "General Clinic"
    assert localized_name(unit, "id") == "Poli Umum"
    assert localized_name(unit, None) == "Poli Umum"
    assert localized_name(kasir, "en") == "Kasir"
    assert category_choices(router.categories, "en") == [
        ("perilaku-petugas", "Staff conduct"),
        ("lainnya", "Lainnya"),
    ]
    assert category_choices(router.categories, "id")[0] == ("perilaku-petugas", "Perilaku petugas")


@pytest.mark.parametrize(
    "line, value, message",
    [
        ("    name: Provinsi Kalimantan Selatan", "    name_en: ''", "must not be empty"),
        (
            "            name: Poli Umum",
            "            name_en: 12",
            "must be text (put it in quotes)",
        ),
        (
            "                name: Pendaftaran Pasien",
            "                name_en: [a]",
            "must be text",
        ),
    ],
)
def test_a_bad_english_name_is_reported_on_its_line(line, value, message):
    text = BASE.replace(line, f"{line}\n{value}")
    found = issues_of(text)
    assert len(found) == 1, found
    assert found[0][0] == line_with(text, value.strip())
    assert "'name_en'" in found[0][1] and message in found[0][1]


def test_a_misspelt_english_name_is_still_an_unknown_key():
    text = BASE.replace("    name: Poli Umum", "    name: Poli Umum\n            name_eng: X")
    [(line, message)] = issues_of(text)
    assert line == line_with(text, "name_eng")
    assert "unknown key 'name_eng'" in message and "did you mean 'name_en'" in message


def test_every_agency_with_units_has_an_other_service_in_its_first_unit():
    router = compile_text(BASE)
    point = router.other_point("rsud-ulin")
    assert point.ids == ("rsud-ulin", "poli-umum", OTHER_SERVICE_ID)
    assert point.service.is_other and point.short_code == ""
    assert router.other_point("inspektorat-kalsel").unit.id == "irban-khusus"
    assert router.find_service_point("rsud-ulin", "poli-umum", OTHER_SERVICE_ID) == point


def test_the_other_service_is_no_printed_counter():
    router = compile_text(BASE)
    assert [p.ids for p in router.service_points()] == [("rsud-ulin", "poli-umum", "pendaftaran")]
    assert router.summary()["services"] == 1
    assert len(router.search_index.search("layanan lain").hits) == 2


def test_other_unit_names_where_other_reports_go_and_rules_may_match_it():
    router = compile_text(NAMED)
    point = router.other_point("rsud-ulin")
    assert point.unit.id == "kasir"
    plain = router.route(*point.ids)
    assert (plain.unit.id, plain.rule_id) == ("kasir", "default")
    ruled = router.route(*point.ids, category="perilaku-petugas")
    assert (ruled.unit.id, ruled.rule_id) == ("poli-umum", "petugas-ke-poli")
    # a case stored when "Layanan lain" was in another unit still has a name
    assert router.find_service_point("rsud-ulin", "poli-umum", OTHER_SERVICE_ID) == point


def test_other_unit_must_name_a_unit_of_the_agency():
    text = NAMED.replace("other_unit: kasir", "other_unit: kasr")
    [(line, message)] = issues_of(text)
    assert line == line_with(text, "other_unit")
    assert "unknown unit 'kasr'" in message and "did you mean 'kasir'" in message


def test_the_reserved_id_may_not_be_written():
    text = BASE.replace("- id: pendaftaran", f"- id: {OTHER_SERVICE_ID}")
    [(line, message)] = issues_of(text)
    assert line == line_with(text, OTHER_SERVICE_ID)
    assert "reserved" in message and "Layanan lain" in message
    alias = BASE.replace(
        "                name: Pendaftaran Pasien",
        f"                name: Pendaftaran Pasien\n                aliases: [{OTHER_SERVICE_ID}]",
    )
    [(line, message)] = issues_of(alias)
    assert line == line_with(alias, f"aliases: [{OTHER_SERVICE_ID}]") and "reserved" in message
    with pytest.raises(RoutingFileError) as caught:
        compile_text(textwrap.dedent(text), "test.yaml")
    assert str(caught.value).startswith(f"test.yaml:{line_with(text, OTHER_SERVICE_ID)}: ")


def test_what_the_picker_shows():
    router = compile_text(BASE)
    region = router.region("kalsel")
    inspectorate, hospital = region.agencies
    assert not can_file(inspectorate.units[0])  # a unit without services
    assert can_file(hospital.units[0])
    assert can_file(inspectorate)  # its "Layanan lain" is there
    assert can_file(region)
    assert not can_file(Agency("kosong", "Kosong", "kalsel"))
    assert not can_file(Region("x", "X", "XX", "Asia/Jakarta", agencies=()))
    assert not can_file(Unit("u", "U"))


def test_the_demo_file_names_everything_in_english():
    router = load_router(ROOT_FILE)
    for region in router.regions:
        assert region.name_en
        for agency in region.agencies:
            assert agency.name_en, agency.id
            for unit in agency.units:
                assert unit.name_en, unit.id
                assert all(s.name_en for s in unit.services), unit.id
    assert all(c.name_en for c in router.categories)
    assert router.other_point("inspektorat-kalsel").unit.id == "sekretariat"

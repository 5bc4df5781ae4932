"""The shipped routing_rules.yaml and the example in docs/routing.md stay valid and true."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from portal.routing.loader import compile_text, load_router

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "routing_rules.yaml"
DOC = ROOT / "docs" / "routing.md"


@pytest.fixture(scope="module")
def router():
    return load_router(DEMO)


def test_demo_has_the_three_real_regions(router):
    regions = {r.id: (r.name, r.prefix, r.timezone) for r in router.regions}
    assert regions["kalsel"] == ("Provinsi Kalimantan Selatan", "KSL", "Asia/Makassar")
    assert regions["hst"] == ("Kabupaten Hulu Sungai Tengah", "HST", "Asia/Makassar")
    assert regions["muara-enim"] == ("Kabupaten Muara Enim", "MEN", "Asia/Jakarta")


def test_demo_has_the_points_other_modules_rely_on(router):
    ulin = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran")
    assert (ulin.agency.name, ulin.unit.name, ulin.service.name) == (
        "RSUD Ulin Banjarmasin",
        "Poli Umum",
        "Pendaftaran Pasien",
    )
    assert len(ulin.unit.services) > 1
    igd = router.agency("rsud-damanhuri")
    assert igd.name == "RSUD H. Damanhuri Barabai"
    assert {u.id: u.name for u in igd.units}["igd"] == "Instalasi Gawat Darurat"


def test_every_region_has_an_inspectorate_and_several_agencies(router):
    for region in router.regions:
        names = [a.name for a in region.agencies]
        assert any(name.startswith("Inspektorat") for name in names), region.id
        assert len(names) >= 4, region.id


@pytest.mark.parametrize("region_id", ["kalsel", "hst", "muara-enim"])
@pytest.mark.parametrize("category", ["perilaku-petugas", "pungutan-liar"])
def test_integrity_complaints_go_to_the_inspectorate(router, region_id, category):
    point = next(p for p in router.service_points() if p.region.id == region_id)
    dest = router.route(*point.ids, classification="complaint", category=category)
    assert dest.agency.name.startswith("Inspektorat")
    assert dest.region.id == region_id
    assert dest.contacts, "an inspectorate report must notify someone"


def test_demo_alias_example_resolves(router):
    point = router.find_service_point("rsud-ulin", "apotek", "pengambilan-obat")
    assert point.unit.name == "Instalasi Farmasi"


def test_demo_region_holiday(router):
    assert date(2025, 8, 14) in router.holidays_for("kalsel")
    assert date(2025, 8, 14) not in router.holidays_for("hst")


def test_demo_uses_example_org_addresses_only():
    emails = re.findall(r"[\w.+-]+@[\w.-]+", DEMO.read_text(encoding="utf-8"))
    assert emails
    assert {e.split("@")[1] for e in emails} == {"example.org"}


def test_demo_round_trips_byte_for_byte_with_comments():
    text = DEMO.read_text(encoding="utf-8")
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(yaml.load(text), out)
    assert out.getvalue() == text
    assert text.count("\n#") + text.count("  # ") > 20  # the admin-facing comments are there


def test_docs_example_compiles_and_routes_as_described():
    block = re.search(r"## Example\n\n```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    router = compile_text(block.group(1), "docs/routing.md")
    dest = router.route("rsud-ulin", "poli-umum", "pendaftaran", category="pungutan-liar")
    assert (dest.agency.id, dest.unit.id) == ("inspektorat-kalsel", "irban-khusus")
    assert (dest.clocks.verification, dest.clocks.complaint) == (2, 14)
    old = router.route("rsud-ulin", "apotek", "pengambilan-obat", category="sarana-prasarana")
    assert (old.rule_id, old.unit.id, old.clocks.complaint) == (
        "default",
        "instalasi-farmasi",
        7,
    )

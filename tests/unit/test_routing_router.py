"""The compiled Router: look-ups, aliases, short codes, rule order, clocks, holidays."""

from __future__ import annotations

import hashlib
import time
from datetime import date

import pytest

from portal.routing.loader import compile_text
from portal.routing.model import Clocks, UnknownServicePoint
from qr.shortcode import short_code

FILE = """\
version: 1
defaults:
  clocks: {verification: 4, information: 6}
categories:
  - {id: perilaku-petugas, name: Perilaku petugas}
  - {id: pungutan-liar, name: Pungutan liar}
  - {id: sarana-prasarana, name: Sarana dan prasarana}
holidays:
  - {date: 2025-12-26, name: Cuti bersama Natal}
regions:
  - id: kalsel
    name: Provinsi Kalimantan Selatan
    prefix: KSL
    timezone: Asia/Makassar
    clocks: {information: 7, aspiration: 8}
    holidays:
      - {date: 2025-08-14, name: Hari Jadi Provinsi Kalimantan Selatan}
    contacts:
      - {email: pengaduan.kalsel@example.org}
    agencies:
      - id: inspektorat-kalsel
        name: Inspektorat Provinsi Kalimantan Selatan
        contacts:
          - {email: inspektorat.kalsel@example.org}
        units:
          - {id: irban-khusus, name: Inspektur Pembantu Khusus}
          - id: irban-1
            name: Inspektur Pembantu Wilayah I
            contacts:
              - {email: irban1.kalsel@example.org, name: Ibu Sari, role: ketua-tim}
      - id: rsud-ulin
        name: RSUD Ulin Banjarmasin
        aliases: [rsu-ulin]
        clocks: {aspiration: 9, complaint: 20}
        units:
          - id: poli-umum
            name: Poli Umum
            clocks: {complaint: 21, feedback: 11}
            services:
              - id: pendaftaran
                name: Pendaftaran Pasien
                aliases: [registrasi]
                clocks: {feedback: 12}
              - {id: pemeriksaan, name: Pemeriksaan Dokter Umum}
          - id: instalasi-farmasi
            name: Instalasi Farmasi
            aliases: [apotek, dinkes-kalsel/gudang-obat]
            services:
              - {id: pengambilan-obat, name: Pengambilan Obat}
          - id: ipsrs
            name: Instalasi Pemeliharaan Sarana
      - id: samsat
        name: Samsat Banjarmasin
        units:
          - id: loket
            name: Loket Pembayaran
            services:
              - {id: pajak-tahunan, name: Pajak Tahunan, code: K7Q-3MZ}
    rules:
      - id: integritas
        when:
          classification: complaint
          category: [perilaku-petugas, pungutan-liar]
        route_to: {agency: inspektorat-kalsel, unit: irban-khusus}
        clocks: {verification: 2}
      - id: pungli-rsud
        description: never reached for pungutan-liar, the rule above wins
        when: {category: pungutan-liar, agency: rsud-ulin}
        route_to: {agency: inspektorat-kalsel, unit: irban-1}
      - id: sarana-rsud
        when: {category: sarana-prasarana, agency: rsud-ulin, unit: [poli-umum, ipsrs]}
        route_to: {agency: rsud-ulin, unit: ipsrs}
      - id: diawasi
        when: {supervised: true, service: pemeriksaan}
        route_to: {agency: hst-inspektorat, unit: investigasi}
  - id: hst
    name: Kabupaten Hulu Sungai Tengah
    prefix: HST
    timezone: Asia/Makassar
    holidays:
      - {date: 2025-09-01, name: Hari daerah}
    agencies:
      - id: hst-inspektorat
        name: Inspektorat Kabupaten Hulu Sungai Tengah
        units:
          - {id: investigasi, name: Investigasi}
      - id: rsud-damanhuri
        name: RSUD H. Damanhuri Barabai
        units:
          - id: igd
            name: Instalasi Gawat Darurat
            services:
              - {id: pendaftaran, name: Pendaftaran IGD}
"""


@pytest.fixture(scope="module")
def router():
    return compile_text(FILE)


def test_version_is_a_short_content_hash(router):
    assert router.version == hashlib.sha256(FILE.encode()).hexdigest()[:12]
    assert compile_text(FILE + "# edited\n").version != router.version


def test_structure(router):
    assert [r.id for r in router.regions] == ["kalsel", "hst"]
    assert router.region("hst").prefix == "HST"
    assert router.region("nowhere") is None
    assert [c.name for c in router.categories][:2] == ["Perilaku petugas", "Pungutan liar"]
    assert router.summary() == {
        "regions": 2,
        "agencies": 5,
        "units": 8,
        "services": 5,
        "rules": 4,
    }
    assert len(list(router.service_points())) == 5


def test_find_service_point_is_case_insensitive(router):
    point = router.find_service_point("RSUD-ULIN", " Poli-Umum ", "PENDAFTARAN")
    assert point is not None
    assert point.ids == ("rsud-ulin", "poli-umum", "pendaftaran")
    assert (point.region.id, point.agency.name, point.service.name) == (
        "kalsel",
        "RSUD Ulin Banjarmasin",
        "Pendaftaran Pasien",
    )
    assert router.find_service_point("rsud-ulin", "poli-umum", "kasir") is None
    assert router.find_service_point("rsud-ulin", "igd", "pendaftaran") is None


def test_unit_alias_keeps_old_qr_codes_working(router):
    point = router.find_service_point("rsud-ulin", "apotek", "pengambilan-obat")
    assert point is not None and point.unit.id == "instalasi-farmasi"


def test_unit_moved_from_another_agency(router):
    point = router.find_service_point("DINKES-KALSEL", "gudang-obat", "pengambilan-obat")
    assert point is not None and point.ids == ("rsud-ulin", "instalasi-farmasi", "pengambilan-obat")


def test_agency_and_service_aliases_chain(router):
    point = router.find_service_point("rsu-ulin", "poli-umum", "registrasi")
    assert point is not None and point.ids == ("rsud-ulin", "poli-umum", "pendaftaran")
    chained = router.find_service_point("rsu-ulin", "apotek", "pengambilan-obat")
    assert chained is not None and chained.unit.id == "instalasi-farmasi"
    assert router.agency("RSU-ULIN").id == "rsud-ulin"


def test_short_codes_of_live_and_old_ids(router):
    live = router.find_service_point("rsud-ulin", "instalasi-farmasi", "pengambilan-obat")
    assert live.short_code == short_code("rsud-ulin", "instalasi-farmasi", "pengambilan-obat")
    assert router.by_short_code(live.short_code) is live
    old_code = short_code("rsud-ulin", "apotek", "pengambilan-obat")
    assert old_code != live.short_code
    assert router.by_short_code(old_code) is live
    assert router.by_short_code(short_code("rsu-ulin", "apotek", "pengambilan-obat")) is live


def test_short_code_accepts_what_people_type(router):
    point = router.by_short_code("k7q 3mz")
    assert point is not None and point.ids == ("samsat", "loket", "pajak-tahunan")
    assert point.short_code == "K7Q3MZ"
    assert router.by_short_code("K7Q-3M0") is None  # 0 is not in the alphabet
    assert router.by_short_code("") is None


def test_explicit_code_replaces_the_derived_one(router):
    assert router.by_short_code(short_code("samsat", "loket", "pajak-tahunan")) is None


def test_route_without_matching_rule_stays_at_the_scanned_unit(router):
    dest = router.route("rsud-ulin", "poli-umum", "pendaftaran", category="sarana-prasarana")
    assert dest.rule_id == "sarana-rsud"
    dest = router.route("rsud-ulin", "instalasi-farmasi", "pengambilan-obat")
    assert (dest.rule_id, dest.agency.id, dest.unit.id, dest.region.id) == (
        "default",
        "rsud-ulin",
        "instalasi-farmasi",
        "kalsel",
    )
    assert dest.version == router.version
    assert dest.origin.ids == ("rsud-ulin", "instalasi-farmasi", "pengambilan-obat")


def test_first_matching_rule_wins(router):
    dest = router.route("rsud-ulin", "poli-umum", "pendaftaran", category="pungutan-liar")
    assert (dest.rule_id, dest.unit.id) == ("integritas", "irban-khusus")
    # the same report classified as an aspiration skips rule 1 and meets rule 2
    dest = router.route(
        "rsud-ulin",
        "poli-umum",
        "pendaftaran",
        classification="aspiration",
        category="pungutan-liar",
    )
    assert (dest.rule_id, dest.unit.id) == ("pungli-rsud", "irban-1")


def test_rule_order_is_the_file_order():
    # move rule 2 above rule 1 by cutting the text of the rules block
    rules_start = FILE.index("      - id: integritas")
    second = FILE.index("      - id: pungli-rsud")
    third = FILE.index("      - id: sarana-rsud")
    swapped = FILE[:rules_start] + FILE[second:third] + FILE[rules_start:second] + FILE[third:]
    router = compile_text(swapped)
    assert [r.id for r in router.rules][:2] == ["pungli-rsud", "integritas"]
    dest = router.route("rsud-ulin", "poli-umum", "pendaftaran", category="pungutan-liar")
    assert dest.rule_id == "pungli-rsud"


def test_rule_conditions_on_unit_service_and_supervision(router):
    farmasi = router.route(
        "rsud-ulin", "instalasi-farmasi", "pengambilan-obat", category="sarana-prasarana"
    )
    assert farmasi.rule_id == "default"  # the rule lists poli-umum and ipsrs only
    plain = router.route("rsud-ulin", "poli-umum", "pemeriksaan")
    assert plain.rule_id == "default"
    supervised = router.route("rsud-ulin", "poli-umum", "pemeriksaan", supervised=True)
    assert supervised.rule_id == "diawasi"


def test_destination_region_is_the_handling_agencys(router):
    dest = router.route("rsud-ulin", "poli-umum", "pemeriksaan", supervised=True)
    assert (dest.agency.id, dest.region.id, dest.region.prefix) == (
        "hst-inspektorat",
        "hst",
        "HST",
    )
    assert dest.origin.region.id == "kalsel"


def test_rules_only_apply_to_their_own_region(router):
    dest = router.route("rsud-damanhuri", "igd", "pendaftaran", category="pungutan-liar")
    assert (dest.rule_id, dest.agency.id) == ("default", "rsud-damanhuri")


def test_clock_precedence_rule_service_unit_agency_region_defaults(router):
    base = Clocks()
    dest = router.route("rsud-ulin", "poli-umum", "pendaftaran", category="perilaku-petugas")
    assert dest.clocks == Clocks(
        verification=2,  # rule (defaults say 4)
        information=7,  # region (defaults say 6)
        aspiration=9,  # agency (region says 8)
        complaint=21,  # unit (agency says 20)
        complaint_supervised=base.complaint_supervised,  # built-in
        feedback=12,  # service (unit says 11)
    )
    other = router.route("rsud-ulin", "poli-umum", "pemeriksaan")
    assert (other.clocks.verification, other.clocks.feedback) == (4, 11)
    elsewhere = router.route("rsud-damanhuri", "igd", "pendaftaran")
    assert elsewhere.clocks == Clocks(verification=4, information=6)


def test_contacts_fall_back_from_unit_to_agency_to_region(router):
    unit = router.route("rsud-ulin", "poli-umum", "pendaftaran", "aspiration", "pungutan-liar")
    assert [(c.email, c.name, c.role) for c in unit.contacts] == [
        ("irban1.kalsel@example.org", "Ibu Sari", "ketua-tim")
    ]
    agency = router.route("rsud-ulin", "poli-umum", "pendaftaran", category="pungutan-liar")
    assert [c.email for c in agency.contacts] == ["inspektorat.kalsel@example.org"]
    region = router.route("rsud-ulin", "poli-umum", "pendaftaran")
    assert [c.email for c in region.contacts] == ["pengaduan.kalsel@example.org"]
    nobody = router.route("rsud-damanhuri", "igd", "pendaftaran")
    assert nobody.contacts == ()


def test_route_rejects_unknown_points_and_classifications(router):
    with pytest.raises(UnknownServicePoint, match="rsud-ulin/poli-gigi/pendaftaran"):
        router.route("rsud-ulin", "poli-gigi", "pendaftaran")
    with pytest.raises(ValueError, match="unknown classification 'pengaduan'"):
        router.route("rsud-ulin", "poli-umum", "pendaftaran", classification="pengaduan")


def test_route_notes_aliases_and_unknown_categories(router):
    dest = router.route("RSUD-ULIN", "APOTEK", "pengambilan-obat", category="hilang")
    assert dest.unit.id == "instalasi-farmasi"
    assert dest.notes == (
        "scanned rsud-ulin/apotek/pengambilan-obat is an old id of "
        "rsud-ulin/instalasi-farmasi/pengambilan-obat",
        "unknown category 'hilang' ignored",
    )


def test_to_dict_is_json_ready(router):
    data = router.route("rsud-ulin", "poli-umum", "pendaftaran", category="pungutan-liar").to_dict()
    assert data["rule"] == "integritas"
    assert data["origin"]["short_code"] == short_code("rsud-ulin", "poli-umum", "pendaftaran")
    assert data["contacts"] == ["inspektorat.kalsel@example.org"]


def test_holidays_for_combines_file_and_region(router):
    assert router.holidays_for("kalsel") == {date(2025, 12, 26), date(2025, 8, 14)}
    assert router.holidays_for("HST") == {date(2025, 12, 26), date(2025, 9, 1)}
    assert router.holidays_for("gone") == {date(2025, 12, 26)}
    assert router.holiday_names("kalsel")[date(2025, 8, 14)] == (
        "Hari Jadi Provinsi Kalimantan Selatan"
    )
    assert router.region("kalsel").holidays == (date(2025, 8, 14),)


def test_route_is_fast(router):
    start = time.perf_counter()
    for _ in range(2000):
        router.route("rsud-ulin", "poli-umum", "pendaftaran", category="sarana-prasarana")
    per_call = (time.perf_counter() - start) / 2000
    assert per_call < 200e-6  # generous for slow CI; a few microseconds on a laptop

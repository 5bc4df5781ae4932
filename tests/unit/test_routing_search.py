"""The picker's search, pure: folded names, every word must match, caps and problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.routing.loader import compile_text, load_router
from portal.routing.search import EMPTY, MAX_QUERY_CHARS, MAX_WORDS, TOO_LONG, fold
from tests.unit.test_routing_names import NAMED

DEMO = Path(__file__).resolve().parents[2] / "routing_rules.yaml"


@pytest.fixture(scope="module")
def demo():
    return load_router(DEMO)


def ids(outcome) -> list[str]:
    return ["/".join(p.ids) for p in outcome.hits]


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("Pendaftaran Pasien", "pendaftaran pasien"),
        ("  KTP-el ", "ktp el"),
        ("Kesehatan Ibu & Anak", "kesehatan ibu anak"),
        ("Kéluarga", "keluarga"),
        ("SMA/SMK", "sma smk"),
        ("İSTANBUL", "istanbul"),
        ("", ""),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_every_word_must_match_somewhere_in_the_entry():
    index = compile_text(NAMED).search_index
    assert ids(index.search("pendaftaran ulin")) == ["rsud-ulin/poli-umum/pendaftaran"]
    assert ids(index.search("pendaftaran kasir")) == []
    assert ids(index.search("DAFTAR")) == ["rsud-ulin/poli-umum/pendaftaran"]  # inside a word


def test_english_names_and_aliases_are_searched():
    index = compile_text(NAMED).search_index
    assert ids(index.search("patient registration")) == ["rsud-ulin/poli-umum/pendaftaran"]
    assert ids(index.search("general clinic")) == ["rsud-ulin/poli-umum/pendaftaran"]
    aliased = NAMED.replace(
        "                name_en: Patient Registration",
        "                name_en: Patient Registration\n                aliases: [loket-daftar]",
    )
    found = compile_text(aliased).search_index.search("loket")
    assert ids(found) == ["rsud-ulin/poli-umum/pendaftaran"]


def test_the_other_service_is_found_by_its_agency_and_comes_last():
    index = compile_text(NAMED).search_index
    assert ids(index.search("ulin")) == [
        "rsud-ulin/poli-umum/pendaftaran",
        "rsud-ulin/kasir/layanan-lain",
    ]
    assert ids(index.search("layanan lain")) == ["rsud-ulin/kasir/layanan-lain"]
    assert ids(index.search("other service ulin hospital")) == ["rsud-ulin/kasir/layanan-lain"]
    assert ids(index.search("kasir")) == []  # not by its unit: it stands for the agency


def test_service_name_matches_come_first(demo):
    """ "umum": "Pemeriksaan Dokter Umum" before the other services of "Poli Umum"."""
    hits = demo.search_index.search("umum", "kalsel").hits
    by_service = ["umum" in fold(p.service.name) for p in hits]
    assert by_service[0] and not by_service[-1]
    assert by_service == sorted(by_service, reverse=True)


def test_one_region_or_all(demo):
    everywhere = demo.search_index.search("pendaftaran pasien")
    hst = demo.search_index.search("pendaftaran pasien", "hst")
    assert {p.region.id for p in everywhere.hits} == {"kalsel", "hst", "muara-enim"}
    assert {p.region.id for p in hst.hits} == {"hst"} and hst.total < everywhere.total
    assert demo.search_index.search("pendaftaran", "nowhere").hits == ()


def test_caps_and_problems(demo):
    many = demo.search_index.search("a", limit=5)
    assert len(many.hits) == 5 and many.total > 5 and many.capped
    assert not demo.search_index.search("imunisasi").capped
    assert demo.search_index.search(" - ").problem == EMPTY
    assert demo.search_index.search("x" * (MAX_QUERY_CHARS + 1)).problem == TOO_LONG
    assert demo.search_index.search(" ".join(["poli"] * (MAX_WORDS + 1))).problem == TOO_LONG
    assert demo.search_index.search("zzzqqq").total == 0


def test_the_index_is_built_once_per_router(demo):
    assert demo.search_index is demo.search_index
    assert compile_text(NAMED).search_index is not compile_text(NAMED).search_index

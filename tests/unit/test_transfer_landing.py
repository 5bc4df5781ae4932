"""Where a transferred case lands and which clocks it runs on (portal/cases/transfers.py),
and the region's own clocks (Router.region_clocks), on the router test file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.cases.transfers import came_by_transfer, forward_action, landing, last_move
from portal.routing.loader import compile_text
from portal.routing.model import Clocks
from tests.unit.test_routing_router import FILE


@pytest.fixture(scope="module")
def router():
    return compile_text(FILE)


def reported(category=None, classification="complaint", events=(), transferred_from=None):
    """A case as reported at RSUD Ulin – Poli Umum – Pendaftaran (Kalimantan Selatan)."""
    return SimpleNamespace(
        origin_agency_id="rsud-ulin",
        origin_unit_id="poli-umum",
        origin_service_id="pendaftaran",
        classification=classification,
        category=category,
        events=[SimpleNamespace(kind=k) for k in events],
        transferred_from=transferred_from,
    )


def test_a_regions_own_clocks_are_the_defaults_then_the_region(router):
    # defaults: verification 4, information 6; kalsel: information 7, aspiration 8
    assert router.region_clocks("kalsel") == Clocks(verification=4, information=7, aspiration=8)
    assert router.region_clocks("HST ") == Clocks(verification=4, information=6)
    # a region since removed: the file's defaults, so an old case still gets deadlines
    assert router.region_clocks("nowhere") == Clocks(verification=4, information=6)


def test_elsewhere_it_waits_in_the_regions_first_unit_on_the_regions_clocks(router):
    land = landing(router, reported(), "hst")
    assert (land.region_id, land.agency_id, land.unit_id) == (
        "hst",
        "hst-inspektorat",
        "investigasi",
    )
    assert land.clocks == router.region_clocks("hst")


def test_home_again_it_goes_where_the_rules_route_its_counter(router):
    land = landing(router, reported(), "kalsel")
    assert (land.agency_id, land.unit_id) == ("rsud-ulin", "poli-umum")
    # the counter's own clocks: agency complaint 20, unit 21, service feedback 12
    assert (land.clocks.complaint, land.clocks.feedback) == (21, 12)
    by_rule = landing(router, reported(category="pungutan-liar"), "kalsel")
    assert (by_rule.agency_id, by_rule.unit_id) == ("inspektorat-kalsel", "irban-khusus")
    assert by_rule.clocks.verification == 2  # the rule's clock


def test_no_landing_in_a_region_that_does_not_exist(router):
    assert landing(router, reported(), "atlantis") is None


def test_the_forward_form_maps_to_the_right_action():
    assert forward_action("sp4n-lapor") == forward_action(" SP4N-LAPOR ") == "forward"
    assert forward_action("hst") == forward_action("") == forward_action(None) == "transfer"


def test_only_a_case_that_arrived_by_transfer_can_be_sent_back():
    assert last_move(reported(events=("submitted", "verify"))) is None
    assert not came_by_transfer(reported(events=("submitted",)))
    arrived = reported(events=("submitted", "transfer", "note"), transferred_from="kalsel")
    assert came_by_transfer(arrived) and last_move(arrived).kind == "transfer"
    back = reported(events=("submitted", "transfer", "send_back"), transferred_from="hst")
    assert not came_by_transfer(back) and last_move(back).kind == "send_back"

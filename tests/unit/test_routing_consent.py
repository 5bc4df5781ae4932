"""Consent statuses of cross-region rules and printed promises, from real routing texts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from portal.routing.loader import compile_text
from portal.routing_admin.consent import (
    ACCEPTED,
    BY_ACTIVATION,
    NEEDS_CONSENT,
    cross_routes,
    unconsented,
)
from portal.routing_admin.promises import PrintedBatch, broken_promises, changed_counters

DEMO = (Path(__file__).resolve().parents[2] / "routing_rules.yaml").read_text(encoding="utf-8")
ANCHOR = "          unit: ipsrs\n"
RULE = (
    "      - id: kalsel-ke-hst\n"
    "        when: {category: lainnya}\n"
    "        route_to: {agency: inspektorat-hst, unit: irban-investigasi}\n"
)
HST = "  - id: hst\n"


def _router(*, rule: str = RULE, accept: bool = False):
    text = DEMO.replace(ANCHOR, ANCHOR + rule, 1)
    if accept:
        text = text.replace(HST, HST + "    accept_routes_from: [kalsel]\n", 1)
    return compile_text(text)


def test_statuses_follow_acceptance_and_what_the_base_held():
    demo = compile_text(DEMO)
    plain, accepted = _router(), _router(accept=True)
    assert [r.status for r in cross_routes(demo, plain)] == [NEEDS_CONSENT]
    assert [r.status for r in cross_routes(demo, accepted)] == [ACCEPTED]
    # Held unconsented by the base (a super admin put it there): in force while unchanged.
    assert [r.status for r in cross_routes(plain, plain)] == [BY_ACTIVATION]
    # Revoked: the base had it accepted, so it is new without consent.
    assert [r.status for r in cross_routes(accepted, plain)] == [NEEDS_CONSENT]
    widened = _router(rule=RULE.replace("        when: {category: lainnya}\n", ""))
    assert unconsented(cross_routes(plain, widened))
    route = cross_routes(demo, plain)[0]
    assert (route.source, route.destination) == ("kalsel", "hst")
    assert route.agency_id == "inspektorat-hst"


def test_a_regional_view_keeps_routes_from_or_into_the_region():
    demo, plain = compile_text(DEMO), _router()
    assert len(cross_routes(demo, plain, {"hst"})) == 1
    assert len(cross_routes(demo, plain, {"kalsel"})) == 1
    assert cross_routes(demo, plain, {"muara-enim"}) == []


def test_a_batch_printed_under_another_version_is_compared_with_what_it_printed():
    v1 = compile_text(DEMO)
    igd = "              complaint: 7\n"
    v2 = compile_text(DEMO.replace(igd, igd.replace("7", "5"), 1))
    ids = ("rsud-ulin", "igd", "pendaftaran-igd")
    assert changed_counters(v1, v2, [ids, ("rsud-ulin", "poli-umum", "pendaftaran")]) == [ids]
    assert changed_counters(v1, v2, [ids], {"hst"}) == []
    at = datetime(2026, 5, 1, tzinfo=UTC)
    batches = [
        PrintedBatch(1, at, v1.version, "kalsel", *ids, 3),
        PrintedBatch(2, at, v2.version, "kalsel", *ids, 1),
        PrintedBatch(3, at, "gone00000000", "kalsel", *ids, 1),
    ]
    known = {v1.version: v1, v2.version: v2}
    listed, total = broken_promises(v1, v2, batches, known.get)
    # batch 1 (7) and batch 3 (unknown version: the active one's 7) now promise the wrong N
    assert total == 2
    assert [(p.batch_id, p.printed_days, p.new_days) for p in listed] == [(1, 7, 5), (3, 7, 5)]
    back, _total = broken_promises(v2, v1, batches, known.get)
    # back to v1: batch 2 printed 5; batch 3 is taken as printed with the active v2 (5)
    assert [(p.batch_id, p.printed_days, p.new_days) for p in back] == [(2, 5, 7), (3, 5, 7)]

"""Consent for rules that send one region's reports into another region's queue.

A rule's `route_to` may name an agency of any region, and the report (with the reporter's
name and contact details) then lands in that region's queue. The destination must agree:
either its part of the file lists the source in `accept_routes_from:`, or a super admin
activated the file (a whole-file activation counts as consent, confirmed explicitly).

The loader does not refuse an unconsented rule: a version a super admin activated holds
such rules legitimately, and every stored version must keep loading. The editor does:
a regional admin may not make a route unconsented (add one, widen its conditions, point
it elsewhere, or revoke an acceptance a rule uses); routes the base version already held
without written acceptance came from a super admin and stay as long as they are unchanged.
Pure: takes two Routers, returns plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portal.routing.engine import Router, Rule

ACCEPTED = "accepted"  # the destination lists the source in accept_routes_from
BY_ACTIVATION = "activation"  # no written acceptance; a super admin activated it before
NEEDS_CONSENT = "needs-consent"  # no acceptance and new in this edit


@dataclass(frozen=True)
class CrossRoute:
    """One rule of region `source` routing into an agency of region `destination`."""

    rule_id: str
    source: str
    destination: str
    agency_id: str
    unit_id: str
    status: str

    @property
    def consented(self) -> bool:
        return self.status != NEEDS_CONSENT


def _same_rule(rule: Rule) -> tuple:
    """What makes a route the one consented to: the rule, which reports it takes (its
    conditions) and where it sends them. A new description or clocks keep it the same."""
    return (
        rule.id,
        rule.region_id,
        rule.route_agency,
        rule.route_unit,
        rule.classifications,
        rule.categories,
        rule.agencies,
        rule.units,
        rule.services,
        rule.supervised,
    )


def cross_routes(
    old: Router | None, new: Router, regions: Iterable[str] | None = None
) -> list[CrossRoute]:
    """Every cross-region rule of `new` with its consent status, judged against `old` (the
    version the edit started from); `regions` keeps those whose source or destination is
    one of them (a regional admin reads only the routes that touch their region)."""
    held = (
        {_same_rule(rule) for rule, _d, ok in old.cross_region_rules() if not ok}
        if old is not None
        else set()
    )
    wanted = set(regions) if regions is not None else None
    result = []
    for rule, destination, accepted in new.cross_region_rules():
        if wanted is not None and not ({rule.region_id, destination} & wanted):
            continue
        if accepted:
            status = ACCEPTED
        elif _same_rule(rule) in held:
            status = BY_ACTIVATION
        else:
            status = NEEDS_CONSENT
        result.append(
            CrossRoute(
                rule.id, rule.region_id, destination, rule.route_agency, rule.route_unit, status
            )
        )
    return sorted(result, key=lambda r: (r.source, r.rule_id))


def unconsented(routes: Iterable[CrossRoute]) -> list[CrossRoute]:
    """The routes this edit would create without the destination's consent."""
    return [r for r in routes if not r.consented]

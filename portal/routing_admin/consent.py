"""Consent for rules that send one region's reports into another region's queue.

A rule's `route_to` may name an agency of any region, and the report (with the reporter's
name and contact details) then lands in that region's queue. The destination must agree:
either its part of the file lists the source in `accept_routes_from:`, or a super admin
activated the file (a whole-file activation counts as consent, confirmed explicitly).

The loader does not refuse an unconsented rule: a version a super admin activated holds
such rules legitimately, and every stored version must keep loading. The editor does:
a regional admin may not make a route unconsented (add one, point one elsewhere, or
revoke an acceptance a rule uses); routes the base version already held without written
acceptance came from a super admin and stay as they are until someone changes them.
Pure: takes two Routers, returns plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portal.routing.engine import Router

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
    def key(self) -> tuple[str, str, str]:
        return (self.rule_id, self.source, self.agency_id)

    @property
    def consented(self) -> bool:
        return self.status != NEEDS_CONSENT


def _routes(router: Router) -> list[tuple[str, str, str, str, str, bool]]:
    """(rule, source, destination, agency, unit, accepted) of every cross-region rule."""
    found = []
    for rule in router.rules:
        agency = router.agency(rule.route_agency)
        if agency is None or agency.region_id == rule.region_id:
            continue
        target = router.region(agency.region_id)
        accepted = target is not None and rule.region_id in target.accept_routes_from
        found.append(
            (rule.id, rule.region_id, agency.region_id, agency.id, rule.route_unit, accepted)
        )
    return found


def cross_routes(
    old: Router | None, new: Router, regions: Iterable[str] | None = None
) -> list[CrossRoute]:
    """Every cross-region rule of `new` with its consent status, judged against `old` (the
    version the edit started from); `regions` keeps those whose source or destination is
    one of them (a regional admin reads only the routes that touch their region)."""
    held = (
        {(r, s, a) for r, s, _d, a, _u, ok in _routes(old) if not ok} if old is not None else set()
    )
    wanted = set(regions) if regions is not None else None
    result = []
    for rule_id, source, destination, agency_id, unit_id, accepted in _routes(new):
        if wanted is not None and not ({source, destination} & wanted):
            continue
        if accepted:
            status = ACCEPTED
        elif (rule_id, source, agency_id) in held:
            status = BY_ACTIVATION
        else:
            status = NEEDS_CONSENT
        result.append(CrossRoute(rule_id, source, destination, agency_id, unit_id, status))
    return sorted(result, key=lambda r: (r.source, r.rule_id))


def unconsented(routes: Iterable[CrossRoute]) -> list[CrossRoute]:
    """The routes this edit would create without the destination's consent."""
    return [r for r in routes if not r.consented]

"""What an edit of the routing file changes, computed from the two compiled Routers.

Pure: the caller passes the printed posters and open cases as plain tuples, so this can be
unit-tested without a database. `blockers` are the changes that would break something in
the field (a printed poster that stops resolving, open cases whose unit disappears); the
editor refuses to activate them unless the admin adds an alias or explicitly confirms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from portal.routing.engine import Router
from portal.routing.model import CLASSIFICATIONS, ServicePoint
from portal.routing_admin.consent import CrossRoute, unconsented
from portal.routing_admin.promises import BrokenPromise

MAX_LISTED = 50  # per list; the counts stay exact

PointIds = tuple[str, str, str]


@dataclass
class Impact:
    added: list[str] = field(default_factory=list)  # "agency/unit/service"
    removed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)  # old ids kept by an alias
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (ids, old, new name)
    destinations: list[str] = field(default_factory=list)
    clocks: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)  # "Name: old@… → new@…"
    posters_broken: list[tuple[str, int]] = field(default_factory=list)  # (ids, posters)
    cases_orphaned: list[tuple[str, int]] = field(default_factory=list)  # (agency/unit, n)
    counts: dict[str, int] = field(default_factory=dict)
    # Filled by editing.check_edit: cross-region rules and their consent, broken printed
    # promises, and the tracking codes of the open cases whose unit disappears.
    cross_routes: list[CrossRoute] = field(default_factory=list)
    promises: list[BrokenPromise] = field(default_factory=list)
    orphaned_codes: dict[str, list[str]] = field(default_factory=dict)  # agency/unit -> codes

    @property
    def blockers(self) -> bool:
        return bool(self.posters_broken or self.cases_orphaned)

    @property
    def needs_consent(self) -> list[CrossRoute]:
        """Cross-region rules without the destination's consent (new in this edit)."""
        return unconsented(self.cross_routes)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.moved,
                self.renamed,
                self.destinations,
                self.clocks,
                self.contacts,
                self.posters_broken,
                self.cases_orphaned,
            )
        )


def _ids(point: ServicePoint) -> str:
    return "/".join(point.ids)


def compute_impact(
    old: Router,
    new: Router,
    posters: Iterable[tuple[str, str, str, int]] = (),
    open_cases: Iterable[tuple[str, str, int]] = (),
    regions: Iterable[str] | None = None,
) -> Impact:
    """Compare `old` and `new`; `regions` limits the route comparison (None: every region)."""
    impact = Impact()
    old_points = {p.ids: p for p in old.service_points()}
    new_points = {p.ids: p for p in new.service_points()}
    for ids in new_points.keys() - old_points.keys():
        if old.find_service_point(*ids) is None:
            impact.added.append("/".join(ids))
    for ids, point in old_points.items():
        found = new.find_service_point(*ids)
        if found is None:
            impact.removed.append(_ids(point))
        elif found.ids != ids:
            impact.moved.append((_ids(point), _ids(found)))
        else:
            names = (point.agency.name, point.unit.name, point.service.name)
            new_names = (found.agency.name, found.unit.name, found.service.name)
            if names != new_names:
                impact.renamed.append((_ids(point), " – ".join(names), " – ".join(new_names)))
    _contacts(old, new, impact)
    _routes(old, new, old_points, regions, impact)
    for agency_id, unit_id, service_id, count in posters:
        if old.find_service_point(agency_id, unit_id, service_id) is None:
            continue  # already broken before this edit
        if new.find_service_point(agency_id, unit_id, service_id) is None:
            impact.posters_broken.append((f"{agency_id}/{unit_id}/{service_id}", count))
    for agency_id, unit_id, count in open_cases:
        if _has_unit(old, agency_id, unit_id) and not _has_unit(new, agency_id, unit_id):
            impact.cases_orphaned.append((f"{agency_id}/{unit_id}", count))
    for name in ("added", "removed", "moved", "renamed", "destinations", "clocks", "contacts"):
        items = getattr(impact, name)
        items.sort()
        impact.counts[name] = len(items)
        del items[MAX_LISTED:]
    return impact


def _has_unit(router: Router, agency_id: str, unit_id: str) -> bool:
    """The unit is live, or an alias (also `old-agency/old-unit`) still leads to a live one."""
    return router.successor_unit(agency_id, unit_id) is not None


def _contact_change(name: str, before, after) -> str:
    """ "Dinas Kesehatan …: lama@example.org → baru@example.org", as an admin reads it."""
    old = ", ".join(c.email for c in before) or "—"
    new = ", ".join(c.email for c in after) or "—"
    return f"{name}: {old} → {new}"


def _contacts(old: Router, new: Router, impact: Impact) -> None:
    for region in new.regions:
        before = old.region(region.id)
        if before is not None and before.contacts != region.contacts:
            impact.contacts.append(_contact_change(region.name, before.contacts, region.contacts))
        for agency in region.agencies:
            was = old.agency(agency.id)
            if was is None or was.id != agency.id:
                continue
            if was.contacts != agency.contacts:
                impact.contacts.append(_contact_change(agency.name, was.contacts, agency.contacts))
            old_units = {u.id: u for u in was.units}
            for unit in agency.units:
                if unit.id in old_units and old_units[unit.id].contacts != unit.contacts:
                    impact.contacts.append(
                        _contact_change(
                            f"{agency.name} – {unit.name}",
                            old_units[unit.id].contacts,
                            unit.contacts,
                        )
                    )


def _routes(
    old: Router,
    new: Router,
    old_points: dict[PointIds, ServicePoint],
    regions: Iterable[str] | None,
    impact: Impact,
) -> None:
    """Route every kept service point under both versions for the combinations rules use."""
    wanted = set(regions) if regions is not None else None
    categories: set[str | None] = {None}
    supervised = [False]
    for rule in (*old.rules, *new.rules):
        if wanted is None or rule.region_id in wanted:
            categories |= set(rule.categories or ())
            if rule.supervised is not None:
                supervised = [False, True]
    for ids, point in old_points.items():
        if wanted is not None and point.region.id not in wanted:
            continue
        if new.find_service_point(*ids) is None:
            continue
        for classification in CLASSIFICATIONS:
            for category in sorted(categories, key=lambda c: c or ""):
                for flag in supervised:
                    a = old.route(*ids, classification, category, flag)
                    b = new.route(*ids, classification, category, flag)
                    case = (
                        f"{'/'.join(ids)} · {classification}"
                        + (f" · {category}" if category else "")
                        + (" · supervised" if flag else "")
                    )
                    if (a.agency.id, a.unit.id) != (b.agency.id, b.unit.id):
                        impact.destinations.append(
                            f"{case}: {a.agency.id}/{a.unit.id} ({a.rule_id}) → "
                            f"{b.agency.id}/{b.unit.id} ({b.rule_id})"
                        )
                    elif a.clocks != b.clocks:
                        impact.clocks.append(f"{case}: {_clock_diff(a.clocks, b.clocks)}")


def _clock_diff(a, b) -> str:
    names = (
        "verification",
        "information",
        "aspiration",
        "complaint",
        "complaint_supervised",
        "feedback",
        "hold",
        "hold_expiry",
    )
    return ", ".join(
        f"{n} {getattr(a, n)}→{getattr(b, n)}" for n in names if getattr(a, n) != getattr(b, n)
    )

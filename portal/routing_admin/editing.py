"""Checking an edit before it is activated: merge, validate, diff, impact.

Takes plain values (texts, Routers, poster and case counts) and returns an EditCheck the
page shows. Line numbers of issues are those of the text the admin typed: for a region's
part, a line of the part; an issue the edit causes elsewhere in the file is marked so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from portal.routing.engine import Router
from portal.routing.loader import compile_text
from portal.routing.model import RoutingFileError
from portal.routing_admin.consent import cross_routes
from portal.routing_admin.diffs import unified
from portal.routing_admin.impact import Impact, compute_impact
from portal.routing_admin.promises import PrintedBatch, broken_promises, changed_counters
from portal.routing_admin.regions import (
    RegionPartError,
    RegionSpan,
    merge_region,
    normalise_newlines,
)

UNREADABLE = "\ufffd"  # what a browser or decoder puts in place of bytes that are not UTF-8


@dataclass(frozen=True)
class ShownIssue:
    line: int  # in the text the admin edited; for `outside` issues, in the whole file
    message: str
    outside: bool = False

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


@dataclass(frozen=True)
class Base:
    """The version an edit started from."""

    id: int | None
    text: str
    router: Router


@dataclass
class EditCheck:
    whole: str  # the whole file that would be activated
    issues: list[ShownIssue] = field(default_factory=list)
    router: Router | None = None
    diff: str = ""
    impact: Impact | None = None

    @property
    def ok(self) -> bool:
        return not self.issues and self.router is not None


def _no_router(_short_hash: str) -> Router | None:
    return None


def _no_batches(_points: list[tuple[str, str, str]]) -> list[PrintedBatch]:
    return []


def _no_codes(_units: list[tuple[str, str]]) -> dict[str, list[str]]:
    return {}


@dataclass(frozen=True)
class Field:
    """What is out there that an edit may break, as plain values and look-ups: printed
    posters per counter, open cases per unit (within the editor's scope), the poster
    batches of some counters with the version they were printed with, a stored version's
    Router by hash, and the tracking codes of the open cases of some units."""

    posters: Iterable[tuple[str, str, str, int]] = ()
    open_cases: Iterable[tuple[str, str, int]] = ()
    printed: Callable[[list[tuple[str, str, str]]], Iterable[PrintedBatch]] = _no_batches
    router_of: Callable[[str], Router | None] = _no_router
    case_codes: Callable[[list[tuple[str, str]]], dict[str, list[str]]] = _no_codes


def check_edit(
    base: Base,
    submitted: str,
    region_id: str | None = None,
    posters: Iterable[tuple[str, str, str, int]] = (),
    open_cases: Iterable[tuple[str, str, int]] = (),
    label: str = "routing_rules.yaml",
    field_state: Field | None = None,
) -> EditCheck:
    """Validate `submitted` (the whole file, or a region's part) against `base`.

    `field_state` (or the older `posters`/`open_cases`) is what the edit may break; the
    impact then also lists cross-region rules with their consent and broken printed
    promises. Whether unconsented routes are refused is the caller's decision (who edits).
    """
    if field_state is None:
        field_state = Field(posters=posters, open_cases=open_cases)
    submitted = normalise_newlines(submitted)
    if UNREADABLE in submitted:
        line = submitted[: submitted.index(UNREADABLE)].count("\n") + 1
        return EditCheck(base.text, [ShownIssue(line, "not UTF-8 text; save it as UTF-8")])
    span: RegionSpan | None = None
    whole = submitted
    if region_id is not None:
        try:
            whole, span = merge_region(base.text, region_id, submitted)
        except RegionPartError as exc:
            return EditCheck(base.text, [ShownIssue(exc.line, str(exc))])
        except RoutingFileError as exc:  # the base itself cannot be cut (should not happen)
            return EditCheck(base.text, [ShownIssue(i.line, i.message) for i in exc.issues])
    result = EditCheck(whole)
    try:
        router = compile_text(whole, label)
    except RoutingFileError as exc:
        result.issues = [_shown(i.line, i.message, span) for i in exc.issues]
        return result
    if region_id is not None:
        result.issues = foreign_aliases(base.router, router, region_id)
        if result.issues:
            return result
    result.router = router
    result.diff = unified(base.text, whole, f"versi {base.id} (aktif)", "suntingan")
    regions = None if region_id is None else _regions_routed_into(router, region_id)
    impact = compute_impact(
        base.router, router, field_state.posters, field_state.open_cases, regions
    )
    mine = None if region_id is None else {region_id}
    impact.cross_routes = cross_routes(base.router, router, mine)
    counters = changed_counters(base.router, router, (p[:3] for p in field_state.posters), regions)
    printed = field_state.printed(counters) if counters else []
    impact.promises, impact.counts["promises"] = broken_promises(
        base.router, router, printed, field_state.router_of
    )
    if impact.cases_orphaned:
        units = [tuple(ids.split("/", 1)) for ids, _n in impact.cases_orphaned]
        impact.orphaned_codes = field_state.case_codes(units)
    result.impact = impact
    return result


def _shown(line: int, message: str, span: RegionSpan | None) -> ShownIssue:
    if span is None:
        return ShownIssue(line, message)
    if span.start < line <= span.end:
        return ShownIssue(line - span.start, message)
    return ShownIssue(line, message, outside=True)


def _regions_routed_into(router: Router, region_id: str) -> set[str]:
    """The edited region and every region with a rule routing into it."""
    targets = {a.id for r in router.regions if r.id == region_id for a in r.agencies}
    return {region_id} | {rule.region_id for rule in router.rules if rule.route_agency in targets}


def foreign_aliases(old: Router, new: Router, region_id: str) -> list[ShownIssue]:
    """Unit aliases `other-agency/unit` that would take over another region's old codes."""
    issues = []
    region = new.region(region_id)
    for agency in region.agencies if region else ():
        for unit in agency.units:
            for alias in unit.aliases:
                owner_id = alias.rpartition("/")[0]
                owner = old.agency(owner_id) or new.agency(owner_id)
                if owner_id and owner is not None and owner.region_id != region_id:
                    issues.append(
                        ShownIssue(
                            1,
                            f"alias '{alias}' of unit '{agency.id}/{unit.id}' names agency "
                            f"'{owner.id}' of region '{owner.region_id}'; only that region "
                            "may move its units",
                        )
                    )
    return issues

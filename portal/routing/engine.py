"""The compiled router: dict indexes built once per file version, so routing is a lookup.

The validator (validate.py) hands over a `RoutingData` it has already checked; nothing
here re-validates, and nothing here touches YAML. Every public method is a few dict
look-ups plus a walk over one region's (short) rule list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from portal.routing.model import (
    CLASSIFICATIONS,
    OTHER_SERVICE,
    OTHER_SERVICE_ID,
    Agency,
    Category,
    Clocks,
    Contact,
    Destination,
    Region,
    ServicePoint,
    Unit,
    UnknownServicePoint,
)
from portal.routing.search import SearchIndex
from qr.shortcode import normalize

PointKey = tuple[str, str, str]  # live (agency, unit, service) IDs
DEFAULT_TIMEZONE = "Asia/Jakarta"
ClockOverrides = Mapping[str, int | str]  # hold_expiry is a word


@dataclass(frozen=True)
class Rule:
    """One `rules:` entry. A condition of None means "any"; a set means "one of these"."""

    id: str
    region_id: str  # the region whose service points this rule applies to
    route_agency: str
    route_unit: str
    description: str = ""
    classifications: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    agencies: frozenset[str] | None = None
    units: frozenset[str] | None = None
    services: frozenset[str] | None = None
    supervised: bool | None = None
    clocks: ClockOverrides = field(default_factory=dict, hash=False)

    def matches(
        self, point: ServicePoint, classification: str, category: str | None, supervised: bool
    ) -> bool:
        """All given conditions hold (AND); a list inside one condition is an OR."""
        return (
            (self.classifications is None or classification in self.classifications)
            and (self.categories is None or category in self.categories)
            and (self.agencies is None or point.agency.id in self.agencies)
            and (self.units is None or point.unit.id in self.units)
            and (self.services is None or point.service.id in self.services)
            and (self.supervised is None or supervised is self.supervised)
        )


@dataclass
class RoutingData:
    """Everything the validator extracted from a valid file, keyed by live IDs."""

    regions: tuple[Region, ...]
    categories: tuple[Category, ...]
    rules: tuple[Rule, ...] = ()
    holidays: dict[date, str] = field(default_factory=dict)  # file-wide
    region_holidays: dict[str, dict[date, str]] = field(default_factory=dict)
    default_clocks: ClockOverrides = field(default_factory=dict)
    region_clocks: dict[str, ClockOverrides] = field(default_factory=dict)
    agency_clocks: dict[str, ClockOverrides] = field(default_factory=dict)
    unit_clocks: dict[tuple[str, str], ClockOverrides] = field(default_factory=dict)
    service_clocks: dict[PointKey, ClockOverrides] = field(default_factory=dict)
    # old ID -> live ID; the unit/service maps are keyed by what a QR may carry
    agency_aliases: dict[str, str] = field(default_factory=dict)
    unit_aliases: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    service_aliases: dict[PointKey, str] = field(default_factory=dict)
    short_codes: dict[str, PointKey] = field(default_factory=dict)  # live and old codes


def _norm_id(value: object) -> str:
    """QR payloads arrive upper-cased and people add spaces; IDs are lower-case slugs."""
    return str(value).strip().lower()


class Router:
    """Answers "which counter is this?" and "where does this report go?" for one file version."""

    def __init__(self, data: RoutingData, version: str, source: str = "routing_rules.yaml"):
        self.version = version
        self.source = source
        self.regions: tuple[Region, ...] = data.regions
        self.categories: tuple[Category, ...] = data.categories
        self.rules: tuple[Rule, ...] = data.rules
        self._regions = {r.id: r for r in data.regions}
        self._categories = {c.id: c for c in data.categories}
        self.category_ids: frozenset[str] = frozenset(self._categories)
        self._agencies: dict[str, Agency] = {}
        self._units: dict[tuple[str, str], Unit] = {}
        self._points: dict[PointKey, ServicePoint] = {}
        self._others: dict[str, ServicePoint] = {}  # agency -> its built-in "Layanan lain"
        for region in data.regions:
            for agency in region.agencies:
                self._agencies[agency.id] = agency
                for unit in agency.units:
                    self._units[(agency.id, unit.id)] = unit
                    for service in unit.services:
                        point = ServicePoint(region, agency, unit, service)
                        self._points[point.ids] = point
                if agency.other_unit is not None:
                    unit = self._units[(agency.id, agency.other_unit)]
                    self._others[agency.id] = ServicePoint(region, agency, unit, OTHER_SERVICE)
        self._printed = tuple(self._points.values())
        self._points.update({p.ids: p for p in self._others.values()})

        self._agency_ids = {a: a for a in self._agencies} | dict(data.agency_aliases)
        self._unit_ids = {k: k for k in self._units} | dict(data.unit_aliases)
        self._service_ids = {k: k[2] for k in self._points} | dict(data.service_aliases)
        self._by_code = {code: self._points[key] for code, key in data.short_codes.items()}

        self._rules_by_region: dict[str, tuple[Rule, ...]] = {
            r.id: tuple(rule for rule in data.rules if rule.region_id == r.id) for r in data.regions
        }
        self._contacts = {key: self.contacts_for(*key) for key in self._units}
        self._base_clocks = {
            key: _merge_clocks(data, self._agencies[key[0]].region_id, key) for key in self._points
        }
        self._clocks = {key: Clocks(**c) for key, c in self._base_clocks.items()}
        self._default_clocks = dict(data.default_clocks)
        self._region_clocks = {
            r.id: Clocks(**(dict(data.default_clocks) | dict(data.region_clocks.get(r.id, {}))))
            for r in data.regions
        }
        self._rule_clocks: dict[tuple[PointKey, str], Clocks] = {}

        self._holidays = MappingProxyType(dict(data.holidays))
        self._region_holidays = {
            r.id: MappingProxyType(dict(data.holidays) | data.region_holidays.get(r.id, {}))
            for r in data.regions
        }
        self._holiday_sets = {k: frozenset(v) for k, v in self._region_holidays.items()}

    # --- look-ups -------------------------------------------------------------------------

    def region(self, region_id: str) -> Region | None:
        return self._regions.get(_norm_id(region_id))

    def logo_path(self, region: Region) -> Path | None:
        """The region's poster logo, resolved against the routing file's folder."""
        return None if region.logo is None else Path(self.source).parent / region.logo

    def logo_folder(self) -> Path:
        """The only folder posters read logos from: `logo/` next to the routing file."""
        return Path(self.source).parent / "logo"

    def category(self, category_id: str) -> Category | None:
        return self._categories.get(_norm_id(category_id))

    def agency(self, agency_id: str) -> Agency | None:
        """The live agency for a current or old (aliased) ID."""
        live = self._agency_ids.get(_norm_id(agency_id))
        return self._agencies[live] if live else None

    def unit(self, agency_id: str, unit_id: str) -> Unit | None:
        """The unit of that ID in that agency (the agency's old IDs count, as in agency()).

        A unit's own old IDs do not: an alias may point into another agency, and a stored
        case's (agency, unit) pair must stay the pair it is. None when the file no longer
        has the unit; callers then fall back to the raw IDs or the agency's contacts.
        """
        agency = self.agency(agency_id)
        return self._units.get((agency.id, _norm_id(unit_id))) if agency else None

    # Names of a stored complaint's place; the raw ID when a later version no longer has it.

    def region_name(self, region_id: str) -> str:
        region = self.region(region_id)
        return region.name if region is not None else region_id

    def agency_name(self, agency_id: str) -> str:
        agency = self.agency(agency_id)
        return agency.name if agency is not None else agency_id

    def unit_name(self, agency_id: str, unit_id: str) -> str:
        found = self.successor_unit(agency_id, unit_id)
        return found[1].name if found is not None else unit_id

    def successor_unit(self, agency_id: str, unit_id: str) -> tuple[Agency, Unit] | None:
        """The live unit a stored (agency, unit) pair stands for now: the unit itself, or the
        one whose aliases keep the old ID (renamed, merged or moved), for names on screen."""
        agency_key = _norm_id(agency_id)
        key = self._unit_ids.get((self._agency_ids.get(agency_key, agency_key), _norm_id(unit_id)))
        return None if key is None else (self._agencies[key[0]], self._units[key])

    def contacts_for(self, agency_id: str, unit_id: str) -> tuple[Contact, ...]:
        """Who hears of a unit's complaints: its contacts, else its agency's, else its
        region's (docs/routing.md); a unit since removed falls back to its agency's."""
        agency = self.agency(agency_id)
        if agency is None:
            return ()
        unit = self.unit(agency.id, unit_id)
        region = self._regions.get(agency.region_id)
        return (
            (unit.contacts if unit else ())
            or agency.contacts
            or (region.contacts if region else ())
        )

    def service_points(self) -> Iterator[ServicePoint]:
        """Every counter written in the file, in file order, e.g. to print posters (not the
        built-in "Layanan lain" points: they have no poster and no short code)."""
        return iter(self._printed)

    def other_point(self, agency_id: str) -> ServicePoint | None:
        """The agency's built-in "Layanan lain (tidak ada di daftar)" counter (old agency
        ids count), or None for an agency without units."""
        agency = self.agency(agency_id)
        return self._others.get(agency.id) if agency is not None else None

    def other_points(self) -> Iterator[ServicePoint]:
        """Every agency's "Layanan lain" counter, in file order."""
        return iter(self._others.values())

    @cached_property
    def search_index(self) -> SearchIndex:
        """Service, unit and agency names in both languages, folded once per file version."""
        return SearchIndex.build(self)

    def find_service_point(
        self, agency_id: str, unit_id: str, service_id: str
    ) -> ServicePoint | None:
        """The counter the IDs name, following aliases so old QR codes keep working."""
        return self._resolve(_norm_id(agency_id), _norm_id(unit_id), _norm_id(service_id))

    def _resolve(self, agency_id: str, unit_id: str, service_id: str) -> ServicePoint | None:
        unit_key = self._unit_ids.get((self._agency_ids.get(agency_id, agency_id), unit_id))
        if unit_key is None:
            return None
        if service_id == OTHER_SERVICE_ID:  # any unit of the agency: other_unit may move
            return self._others.get(unit_key[0])
        service = self._service_ids.get((*unit_key, service_id))
        return None if service is None else self._points[(*unit_key, service)]

    def by_short_code(self, code: str) -> ServicePoint | None:
        """The counter for a typed code ("k7q-3mz" works), including codes of old IDs."""
        canonical = normalize(code)
        return None if canonical is None else self._by_code.get(canonical)

    def cross_region_rules(self) -> list[tuple[Rule, str, bool]]:
        """(rule, destination region, accepted?) of every rule whose handling agency is in
        another region; accepted when that region lists the rule's region in
        `accept_routes_from` (docs/routing.md, "Rules into another region")."""
        found = []
        for rule in self.rules:
            target = self._agencies[rule.route_agency].region_id
            if target != rule.region_id:
                accepted = rule.region_id in self._regions[target].accept_routes_from
                found.append((rule, target, accepted))
        return found

    # --- routing --------------------------------------------------------------------------

    def route(
        self,
        agency_id: str,
        unit_id: str,
        service_id: str,
        classification: str = "complaint",
        category: str | None = None,
        supervised: bool = False,
    ) -> Destination:
        """Where a report from this counter goes: first matching rule of its region wins."""
        if classification not in CLASSIFICATIONS:
            raise ValueError(
                f"unknown classification {classification!r}; expected one of "
                + ", ".join(CLASSIFICATIONS)
            )
        scanned = (_norm_id(agency_id), _norm_id(unit_id), _norm_id(service_id))
        point = self._resolve(*scanned)
        if point is None:
            raise UnknownServicePoint(
                f"no service point {agency_id}/{unit_id}/{service_id} "
                f"in routing version {self.version}"
            )
        notes: list[str] = []
        if scanned != point.ids:
            notes.append(f"scanned {'/'.join(scanned)} is an old id of {'/'.join(point.ids)}")
        if category is not None and category not in self._categories:
            notes.append(f"unknown category {category!r} ignored")
            category = None

        rule = next(
            (
                r
                for r in self._rules_by_region[point.region.id]
                if r.matches(point, classification, category, supervised)
            ),
            None,
        )
        if rule is None:
            agency, unit, rule_id, clocks = point.agency, point.unit, "default", None
        else:
            agency = self._agencies[rule.route_agency]
            unit = self._units[(rule.route_agency, rule.route_unit)]
            rule_id, clocks = rule.id, self._clocks_with_rule(point.ids, rule)
        return Destination(
            origin=point,
            region=self._regions[agency.region_id],
            agency=agency,
            unit=unit,
            contacts=self._contacts[(agency.id, unit.id)],
            clocks=clocks or self._clocks[point.ids],
            rule_id=rule_id,
            version=self.version,
            notes=tuple(notes),
        )

    def region_clocks(self, region_id: str) -> Clocks:
        """The clocks of a region as a whole (defaults, then the region's own): what a case
        transferred in from another region runs on, since it came through none of this
        region's counters."""
        return self._region_clocks.get(_norm_id(region_id)) or Clocks(**self._default_clocks)

    # --- calendars ------------------------------------------------------------------------

    def timezone_for(self, region_id: str) -> str:
        """The region's IANA zone; WIB for a region since removed from the file, so an old
        case still gets dates (most of Indonesia's population lives in WIB)."""
        region = self.region(region_id)
        return region.timezone if region is not None else DEFAULT_TIMEZONE

    def holidays_for(self, region_id: str) -> frozenset[date]:
        """Extra days off (file-wide + the region's), on top of national holidays.

        An unknown region gets the file-wide days only, so a complaint routed under an
        older file version that named a since-removed region still gets deadlines.
        """
        found = self._holiday_sets.get(_norm_id(region_id))
        return found if found is not None else frozenset(self._holidays)

    def holiday_names(self, region_id: str) -> Mapping[date, str]:
        """The same days as holidays_for(), with their names, for calendars on screen."""
        return self._region_holidays.get(_norm_id(region_id), self._holidays)

    def summary(self) -> dict[str, int]:
        """Counts for `flask routing check` and the admin page."""
        return {
            "regions": len(self._regions),
            "agencies": len(self._agencies),
            "units": len(self._units),
            "services": len(self._printed),
            "rules": len(self.rules),
        }

    # --- compile-time helpers -------------------------------------------------------------

    def _clocks_with_rule(self, key: PointKey, rule: Rule) -> Clocks | None:
        if not rule.clocks:
            return None
        cached = self._rule_clocks.get((key, rule.id))
        if cached is None:
            cached = Clocks(**(self._base_clocks[key] | dict(rule.clocks)))
            self._rule_clocks[(key, rule.id)] = cached
        return cached


def _merge_clocks(data: RoutingData, region_id: str, key: PointKey) -> dict[str, int | str]:
    """Most specific wins: service > unit > agency > region > defaults > Clocks()."""
    agency_id, unit_id, _ = key
    merged: dict[str, int | str] = {}
    for layer in (
        data.default_clocks,
        data.region_clocks.get(region_id, {}),
        data.agency_clocks.get(agency_id, {}),
        data.unit_clocks.get((agency_id, unit_id), {}),
        data.service_clocks.get(key, {}),
    ):
        merged.update(layer)
    return merged

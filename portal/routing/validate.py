"""Checks a parsed routing file against the schema in docs/routing.md and compiles it.

Regional admins edit this file by hand, so the checker never stops at the first problem:
it walks everything, records each issue with the line it is on, and only then fails.
The walk is in four passes because later checks need earlier facts: the tree itself, then
aliases (they may name agencies anywhere), then rules, then short codes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import fields, replace
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from portal.phone_numbers import PHONE_TEXT, InvalidNumber, msisdn
from portal.routing.engine import PointKey, RoutingData, Rule
from portal.routing.model import (
    CLASSIFICATIONS,
    HOLD_EXPIRY,
    OTHER_SERVICE_ID,
    Agency,
    Bounds,
    Category,
    Clocks,
    Contact,
    Region,
    RoutingFileError,
    RoutingIssue,
    Service,
    Unit,
)
from qr.shortcode import normalize, short_code

SCHEMA_VERSION = 1
MAX_ID_LENGTH = 40
MAX_CLOCK_DAYS = 365
CLOCK_FIELDS = tuple(f.name for f in fields(Clocks))

LOGO_FOLDER = "logo"  # region logos live in <routing file's folder>/logo/
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def logo_path_problem(value: str) -> str | None:
    """Why a `logo:` value cannot name a file of the logo folder, or None.

    Posters read only files of `logo/` next to the routing file: no absolute paths, no `..`,
    no backslashes, an image suffix. (Symlinks are resolved and confined when the file is read.)
    """
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value) or "\\" in value:
        return f"must be a path inside the {LOGO_FOLDER}/ folder, e.g. {LOGO_FOLDER}/kalsel.png"
    parts = value.split("/")
    if ".." in parts or "." in parts or "" in parts:
        return f"must not contain '..', '.' or '//' (write e.g. {LOGO_FOLDER}/kalsel.png)"
    if parts[0] != LOGO_FOLDER or len(parts) < 2:
        return (
            f"must be inside the {LOGO_FOLDER}/ folder next to the routing file, "
            f"e.g. {LOGO_FOLDER}/kalsel.png"
        )
    if not value.lower().endswith(LOGO_SUFFIXES):
        return "must be a PNG, JPEG or WebP image (.png, .jpg, .jpeg, .webp)"
    return None


SLUG_RE = re.compile(rf"^[a-z0-9](?:[a-z0-9-]{{0,{MAX_ID_LENGTH - 2}}}[a-z0-9])?$")
PREFIX_RE = re.compile(r"^[A-Z]{2,4}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$"
)

TOP_KEYS = ("version", "defaults", "categories", "holidays", "regions")
REGION_KEYS = (
    "id",
    "name",
    "name_en",
    "prefix",
    "timezone",
    "clocks",
    "holidays",
    "contacts",
    "logo",
    "whatsapp",
    "sms",
)
REGION_KEYS += ("accept_routes_from",)
REGION_KEYS += ("public_text", "public_photos", "bounds")
BOUNDS_KEYS = ("south", "west", "north", "east")
REGION_KEYS += ("agencies", "rules")
AGENCY_KEYS = ("id", "name", "name_en", "aliases", "contacts", "clocks", "other_unit", "units")
UNIT_KEYS = ("id", "name", "name_en", "aliases", "contacts", "clocks", "services")
SERVICE_KEYS = ("id", "name", "name_en", "code", "aliases", "clocks")
CATEGORY_KEYS = ("id", "name", "name_en")
RULE_KEYS = ("id", "description", "when", "route_to", "clocks")
WHEN_KEYS = ("classification", "category", "agency", "unit", "service", "supervised")


def compile_document(doc: Any, filename: str) -> RoutingData:
    """The RoutingData of a parsed (ruamel round-trip) document, or RoutingFileError."""
    checker = _FileChecker(filename)
    data = checker.run(doc)
    if checker.issues or data is None:
        issues = checker.issues or [RoutingIssue(filename, 1, "invalid routing file")]
        raise RoutingFileError(sorted(issues, key=lambda i: i.line))
    return data


# --- where things are in the file ----------------------------------------------------------


def line_of(node: Any, default: int = 1) -> int:
    """1-based line where a mapping or list starts (ruamel counts from 0)."""
    line = getattr(getattr(node, "lc", None), "line", None)
    return line + 1 if isinstance(line, int) else default


def key_line(mapping: Any, key: Any) -> int:
    try:
        return mapping.lc.key(key)[0] + 1
    except (AttributeError, KeyError, TypeError):  # merged (<<:) keys have no position
        return line_of(mapping)


def item_line(seq: Any, index: int) -> int:
    try:
        return seq.lc.item(index)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return line_of(seq)


def kind(value: Any) -> str:
    """How a value looks to someone who wrote YAML, for "must be X, not Y" messages."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def did_you_mean(word: Any, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


@cache
def _all_timezones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --- generic typed access with issue reporting ---------------------------------------------


class _Checker:
    """Typed getters over YAML nodes; each bad value becomes an issue and returns None."""

    def __init__(self, filename: str):
        self.file = filename
        self.issues: list[RoutingIssue] = []

    def error(self, line: int, message: str) -> None:
        self.issues.append(RoutingIssue(self.file, line, message))

    def mapping(self, node: Any, what: str, line: int, hint: str = "") -> dict | None:
        if isinstance(node, dict):
            return node
        self.error(line, f"{what} must be a mapping{hint}, not {kind(node)}")
        return None

    def keys(self, m: dict, what: str, allowed: tuple[str, ...], required: tuple[str, ...]):
        for key in m:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f" (allowed: {', '.join(allowed)})"
                self.error(key_line(m, key), f"unknown key '{key}' in {what}{hint}")
        for key in required:
            if key not in m:
                self.error(line_of(m), f"missing required key '{key}' in {what}")

    def phone_number(self, m: dict, key: str, what: str) -> str | None:
        """A number citizens message (`whatsapp:`, `sms:`), kept as written for posters."""
        value = self.text(m, key, what)
        if value is None:
            return None
        try:
            msisdn(value)
        except InvalidNumber:
            value = None
        if value is None or not PHONE_TEXT.match(value):
            self.error(
                key_line(m, key),
                f"'{key}' of {what} is not a phone number (write it as on the poster, "
                "e.g. '0811-5000-1708' or '+62 811 5000 1708')",
            )
            return None
        return value

    def flag(self, m: dict, key: str, what: str) -> bool:
        """A yes/no switch (`public_text: true`); absent means false."""
        if key not in m:
            return False
        value = m[key]
        if not isinstance(value, bool):
            self.error(
                key_line(m, key), f"'{key}' of {what} must be true or false, not {kind(value)}"
            )
            return False
        return value

    def bounds(self, m: dict, what: str) -> Bounds | None:
        """`bounds: {south: -4.2, west: 114.3, north: -1.3, east: 116.6}` in degrees."""
        if "bounds" not in m:
            return None
        line = key_line(m, "bounds")
        box = self.mapping(
            m["bounds"], f"'bounds' of {what}", line, " with south, west, north, east"
        )
        if box is None:
            return None
        self.keys(box, f"'bounds' of {what}", BOUNDS_KEYS, BOUNDS_KEYS)
        values: dict[str, float] = {}
        limits = {"south": 90, "north": 90, "west": 180, "east": 180}
        for key in BOUNDS_KEYS:
            raw = box.get(key)
            if key not in box:
                continue
            if (
                isinstance(raw, bool)
                or not isinstance(raw, int | float)
                or not -limits[key] <= raw <= limits[key]
            ):
                self.error(
                    key_line(box, key),
                    f"'{key}' in 'bounds' of {what} must be degrees between "
                    f"-{limits[key]} and {limits[key]}, not {raw!r}",
                )
                continue
            values[key] = float(raw)
        if len(values) != len(BOUNDS_KEYS):
            return None
        if values["south"] >= values["north"] or values["west"] >= values["east"]:
            self.error(line, f"'bounds' of {what}: south must be below north and west of east")
            return None
        return Bounds(**values)

    def text(self, m: dict, key: str, what: str) -> str | None:
        if key not in m:
            return None
        value = m[key]
        if not isinstance(value, str):
            quote = " (put it in quotes)" if isinstance(value, int | float | bool) else ""
            message = f"'{key}' of {what} must be text{quote}, not {kind(value)}"
            self.error(key_line(m, key), message)
            return None
        if not value.strip():
            self.error(key_line(m, key), f"'{key}' of {what} must not be empty")
            return None
        return str(value).strip()

    def slug(self, m: dict, key: str, what: str) -> str | None:
        value = self.text(m, key, what)
        if value is not None and not SLUG_RE.match(value):
            self.error(key_line(m, key), f"invalid {key} '{value}' for {what}: {_SLUG_HINT}")
            return None
        return value

    def items(self, m: dict, key: str, what: str) -> Iterator[tuple[int, Any, int]]:
        """(index, item, line) of a list value; an absent or empty value is an empty list."""
        value = m.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.error(key_line(m, key), f"'{key}' of {what} must be a list, not {kind(value)}")
            return
        if not value:
            return
        for index, item in enumerate(value):
            yield index, item, item_line(value, index)

    def entries(self, m: dict, key: str, what: str, child: str) -> Iterator[tuple[int, dict]]:
        """The mapping items of a list such as `units:`; other items are reported."""
        for index, item, line in self.items(m, key, what):
            entry = self.mapping(item, f"{child} #{index + 1} of {what}", line, " with 'id'")
            if entry is not None:
                yield line, entry

    def unique(self, seen: dict[str, int], value: str, line: int, message: str) -> bool:
        """Remember where `value` first appeared; report `message` for a repeat."""
        if value in seen:
            self.error(line, f"{message} (first at line {seen[value]})")
            return False
        seen[value] = line
        return True

    def clocks(self, m: dict, what: str) -> dict[str, int | str]:
        node = m.get("clocks")
        if node is None:
            return {}
        table = self.mapping(node, f"'clocks' of {what}", key_line(m, "clocks"))
        if table is None:
            return {}
        result: dict[str, int | str] = {}
        for name, value in table.items():
            line = key_line(table, name)
            if name not in CLOCK_FIELDS:
                hint = did_you_mean(name, CLOCK_FIELDS) or f" (allowed: {', '.join(CLOCK_FIELDS)})"
                self.error(line, f"unknown clock '{name}' in {what}{hint}")
            elif name == "hold_expiry":
                if value in HOLD_EXPIRY:
                    result[name] = str(value)
                else:
                    self.error(
                        line,
                        f"'hold_expiry' of {what} must be one of {', '.join(HOLD_EXPIRY)} "
                        f"(what happens when the citizen does not answer), not {value!r}",
                    )
            elif (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 1 <= value <= MAX_CLOCK_DAYS
            ):
                self.error(
                    line,
                    f"clock '{name}' of {what} must be a whole number of days "
                    f"from 1 to {MAX_CLOCK_DAYS}, not {value!r}",
                )
            else:
                result[str(name)] = int(value)
        return result

    def holidays(self, m: dict, what: str) -> dict[date, str]:
        result: dict[date, str] = {}
        seen: dict[str, int] = {}
        for line, entry in self.entries(m, "holidays", what, "holiday"):
            where = f"holidays of {what}"
            self.keys(entry, where, ("date", "name"), ("date", "name"))
            name = self.text(entry, "name", where)
            raw = entry.get("date")
            if raw is None:
                continue
            day = _parse_date(raw)
            if day is None:
                self.error(
                    key_line(entry, "date"), f"invalid date '{raw}' in {where}: use YYYY-MM-DD"
                )
            elif self.unique(seen, day.isoformat(), line, f"duplicate holiday {day} in {where}"):
                result[day] = name or ""
        return result

    def contacts(self, m: dict, what: str) -> tuple[Contact, ...]:
        result = []
        seen: dict[str, int] = {}
        where = f"contacts of {what}"
        for line, entry in self.entries(m, "contacts", what, "contact"):
            self.keys(entry, where, ("email", "name", "role"), ("email",))
            email = self.text(entry, "email", where)
            if email is None:
                continue
            if not EMAIL_RE.match(email):
                self.error(key_line(entry, "email"), f"invalid e-mail '{email}' in {where}")
            elif self.unique(seen, email.lower(), line, f"duplicate e-mail '{email}' in {where}"):
                name = self.text(entry, "name", where) or ""
                role = self.text(entry, "role", where) or ""
                result.append(Contact(email=email, name=name, role=role))
        return tuple(result)

    def aliases(self, m: dict, what: str, allow_agency: bool = False) -> list[tuple[str, int]]:
        result = []
        for _, item, line in self.items(m, "aliases", what):
            parts = item.split("/") if isinstance(item, str) else []
            if not isinstance(item, str):
                self.error(line, f"alias of {what} must be text, not {kind(item)}")
            elif len(parts) > (2 if allow_agency else 1) or not all(map(SLUG_RE.match, parts)):
                form = " (or 'old-agency/old-unit')" if allow_agency else ""
                self.error(line, f"invalid alias '{item}' of {what}: {_SLUG_HINT}{form}")
            else:
                result.append((item, line))
        return result


_SLUG_HINT = f"use a-z, 0-9 and '-' only, at most {MAX_ID_LENGTH} characters"


def _reserved(what: str) -> str:
    return (
        f'{what} is reserved for the built-in "Layanan lain" (service not listed) of every '
        "agency; choose another id"
    )


def _parse_date(raw: Any) -> date | None:
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str) or not DATE_RE.match(raw.strip()):
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


# --- the routing file schema ---------------------------------------------------------------


class _FileChecker(_Checker):
    """Walks one routing file; `run` returns RoutingData, valid only if `issues` is empty."""

    def __init__(self, filename: str):
        super().__init__(filename)
        self.data = RoutingData(regions=(), categories=())
        self.agency_lines: dict[str, int] = {}
        self.agency_region: dict[str, str] = {}
        self.units: dict[str, dict[str, Unit]] = {}  # agency -> unit id -> unit
        self.other_units: dict[str, str] = {}  # agency -> unit of its "Layanan lain"
        self.point_lines: dict[PointKey, int] = {}
        self.explicit_codes: dict[PointKey, str] = {}
        self.raw_aliases: dict[str, list] = {"agency": [], "unit": [], "service": []}
        self.raw_rules: list[tuple[str, int, dict]] = []
        self.region_lines: dict[str, int] = {}
        self.prefix_lines: dict[str, int] = {}
        self.rule_lines: dict[str, int] = {}
        self.raw_accepts: dict[str, list[tuple[str, int]]] = {}  # region -> (source, line)

    def run(self, doc: Any) -> RoutingData | None:
        if doc is None:
            self.error(1, "the file is empty; it needs at least 'version', 'categories', 'regions'")
            return None
        top = self.mapping(doc, "the top level of the file", line_of(doc), " (key: value lines)")
        if top is None:
            return None
        self.keys(top, "the top level", TOP_KEYS, ("version", "categories", "regions"))
        self._version(top)
        defaults = self.mapping(top.get("defaults") or {}, "'defaults'", key_line(top, "defaults"))
        if defaults is not None:
            self.keys(defaults, "'defaults'", ("clocks",), ())
            self.data.default_clocks = self.clocks(defaults, "'defaults'")
        self.data.categories = self._categories(top)
        self.data.holidays = self.holidays(top, "the file")

        regions = [
            self._region(line, m) for line, m in self.entries(top, "regions", "the file", "region")
        ]
        self.data.regions = self._with_acceptances(tuple(r for r in regions if r is not None))
        if "regions" in top and not regions:
            self.error(key_line(top, "regions"), "no regions defined; add at least one")

        self._resolve_aliases()
        self.data.rules = tuple(r for r in map(self._rule, self.raw_rules) if r is not None)
        self._index_short_codes()
        return self.data

    def _version(self, top: dict) -> None:
        version = top.get("version")
        if "version" in top and (isinstance(version, bool) or version != SCHEMA_VERSION):
            self.error(
                key_line(top, "version"),
                f"unsupported schema version {version!r} (this portal reads version 1)",
            )

    def _categories(self, top: dict) -> tuple[Category, ...]:
        result = []
        seen: dict[str, int] = {}
        for line, entry in self.entries(top, "categories", "the file", "category"):
            cid = self.slug(entry, "id", "a category")
            what = f"category '{cid}'" if cid else f"the category at line {line}"
            self.keys(entry, what, CATEGORY_KEYS, ("id", "name"))
            name = self.text(entry, "name", what)
            name_en = self.text(entry, "name_en", what)
            fresh = cid and self.unique(
                seen, cid, key_line(entry, "id"), f"duplicate category id '{cid}'"
            )
            if fresh and name:
                result.append(Category(cid, name, name_en))
        return tuple(result)

    # --- the organisation tree: regions > agencies > units > services ---------------------

    def _region(self, line: int, m: dict) -> Region | None:
        rid = self.slug(m, "id", "a region")
        what = f"region '{rid}'" if rid else f"the region at line {line}"
        self.keys(m, what, REGION_KEYS, ("id", "name", "prefix", "timezone", "agencies"))
        if rid:
            self.unique(self.region_lines, rid, key_line(m, "id"), f"duplicate region id '{rid}'")
        name = self.text(m, "name", what)
        name_en = self.text(m, "name_en", what)
        prefix = self.text(m, "prefix", what)
        if prefix and not PREFIX_RE.match(prefix):
            self.error(
                key_line(m, "prefix"),
                f"invalid prefix '{prefix}' for {what}: use 2 to 4 upper-case letters A-Z",
            )
            prefix = None
        elif prefix:
            self.unique(
                self.prefix_lines, prefix, key_line(m, "prefix"), f"duplicate prefix '{prefix}'"
            )
        timezone = self.text(m, "timezone", what)
        if timezone and not valid_timezone(timezone):
            hint = did_you_mean(timezone, _all_timezones()) or " (e.g. 'Asia/Makassar')"
            self.error(key_line(m, "timezone"), f"unknown timezone '{timezone}' for {what}{hint}")
            timezone = None
        clocks = self.clocks(m, what)
        holidays = self.holidays(m, what)
        contacts = self.contacts(m, what)
        # The shape is checked here; `routing check` and the poster printer check the file.
        logo = self.text(m, "logo", what)
        if logo is not None:
            problem = logo_path_problem(logo)
            if problem:
                self.error(key_line(m, "logo"), f"logo of {what} {problem}")
                logo = None
        whatsapp = self.phone_number(m, "whatsapp", what)
        sms = self.phone_number(m, "sms", what)
        public_text = self.flag(m, "public_text", what)
        public_photos = self.flag(m, "public_photos", what)
        bounds = self.bounds(m, what)
        agencies = [
            self._agency(aline, a, rid or "?")
            for aline, a in self.entries(m, "agencies", what, "agency")
        ]
        for rule_line, rule in self.entries(m, "rules", what, "rule"):
            self.raw_rules.append((rid or "?", rule_line, rule))
        self._accepts(m, rid, what)
        if not (rid and name and prefix and timezone):
            return None
        self.data.region_clocks[rid] = clocks
        self.data.region_holidays[rid] = holidays
        return Region(
            id=rid,
            name=name,
            prefix=prefix,
            timezone=timezone,
            agencies=tuple(a for a in agencies if a is not None),
            holidays=tuple(sorted(holidays)),
            contacts=contacts,
            logo=logo,
            logo_line=key_line(m, "logo") if logo is not None else None,
            whatsapp=whatsapp,
            sms=sms,
            public_text=public_text,
            public_photos=public_photos,
            bounds=bounds,
            name_en=name_en,
        )

    def _accepts(self, m: dict, region_id: str | None, what: str) -> None:
        """`accept_routes_from: [kalsel, …]`: the shape here, the region ids once all are read."""
        if "accept_routes_from" not in m:
            return
        if isinstance(m["accept_routes_from"], str):
            value = m["accept_routes_from"].strip()
            self.error(
                key_line(m, "accept_routes_from"),
                f"'accept_routes_from' of {what} must be a list of region ids, "
                f"e.g. [{value or 'kalsel'}]",
            )
            return
        found: list[tuple[str, int]] = []
        seen: dict[str, int] = {}
        for _, item, line in self.items(m, "accept_routes_from", what):
            if not isinstance(item, str) or not SLUG_RE.match(item.strip()):
                shown = item if isinstance(item, str) else kind(item)
                self.error(
                    line,
                    f"'accept_routes_from' of {what} lists '{shown}', which is no region id: "
                    f"{_SLUG_HINT}",
                )
            elif item.strip() == region_id:
                self.error(
                    line,
                    f"'accept_routes_from' of {what} lists the region itself; "
                    "its own rules need no acceptance",
                )
            elif self.unique(
                seen, item.strip(), line, f"region '{item.strip()}' is listed twice in {what}"
            ):
                found.append((item.strip(), line))
        if region_id:
            self.raw_accepts[region_id] = found

    def _with_acceptances(self, regions: tuple[Region, ...]) -> tuple[Region, ...]:
        """Each region with the sources it accepts; an id naming no region is an error."""
        known = [r.id for r in regions]
        result = []
        for region in regions:
            sources = []
            for source, line in self.raw_accepts.get(region.id, ()):
                if source in self.region_lines:
                    sources.append(source)
                else:
                    self.error(
                        line,
                        f"'accept_routes_from' of region '{region.id}' names unknown region "
                        f"'{source}'{did_you_mean(source, known)}",
                    )
            result.append(replace(region, accept_routes_from=tuple(sources)))
        return tuple(result)

    def _agency(self, line: int, m: dict, region_id: str) -> Agency | None:
        aid = self.slug(m, "id", f"an agency in region '{region_id}'")
        what = f"agency '{aid}'" if aid else f"the agency at line {line}"
        self.keys(m, what, AGENCY_KEYS, ("id", "name", "units"))
        fresh = bool(aid) and self.unique(
            self.agency_lines, aid, key_line(m, "id"), f"duplicate agency id '{aid}'"
        )
        name = self.text(m, "name", what)
        name_en = self.text(m, "name_en", what)
        live = fresh and bool(name)  # only a live agency's units and services are indexed
        aliases = self.aliases(m, what)
        contacts = self.contacts(m, what)
        clocks = self.clocks(m, what)
        seen: dict[str, int] = {}
        units = [
            self._unit(uline, u, aid or "?", seen, live)
            for uline, u in self.entries(m, "units", what, "unit")
        ]
        if not live:
            return None
        self.agency_region[aid] = region_id
        self.data.agency_clocks[aid] = clocks
        self.raw_aliases["agency"] += [(alias, line, aid) for alias, line in aliases]
        live_units = tuple(u for u in units if u is not None)
        self.units[aid] = {u.id: u for u in live_units}
        other_unit = self._other_unit(m, what, live_units)
        if other_unit:
            self.other_units[aid] = other_unit
        return Agency(
            aid,
            name,
            region_id,
            live_units,
            tuple(a for a, _ in aliases),
            contacts,
            name_en=name_en,
            other_unit=other_unit,
        )

    def _other_unit(self, m: dict, what: str, units: tuple[Unit, ...]) -> str | None:
        """The unit that gets the agency's "Layanan lain" reports: `other_unit:`, else the
        first unit; None for an agency without units (nothing to file under)."""
        named = self.slug(m, "other_unit", what)
        if named is None:
            return units[0].id if units and "other_unit" not in m else None
        if named not in {u.id for u in units}:
            hint = did_you_mean(named, [u.id for u in units])
            self.error(
                key_line(m, "other_unit"),
                f"'other_unit' of {what} names unknown unit '{named}'{hint}",
            )
            return None
        return named

    def _unit(
        self, line: int, m: dict, agency_id: str, seen: dict[str, int], parent_live: bool
    ) -> Unit | None:
        uid = self.slug(m, "id", f"a unit in agency '{agency_id}'")
        what = f"unit '{uid}' in agency '{agency_id}'" if uid else f"the unit at line {line}"
        self.keys(m, what, UNIT_KEYS, ("id", "name"))
        fresh = bool(uid) and self.unique(
            seen,
            uid,
            key_line(m, "id"),
            f"duplicate unit id '{uid}' in agency '{agency_id}'",
        )
        name = self.text(m, "name", what)
        name_en = self.text(m, "name_en", what)
        live = parent_live and fresh and bool(name)
        aliases = self.aliases(m, what, allow_agency=True)
        contacts = self.contacts(m, what)
        clocks = self.clocks(m, what)
        seen_services: dict[str, int] = {}
        services = [
            self._service(sline, s, (agency_id, uid or "?"), seen_services, live)
            for sline, s in self.entries(m, "services", what, "service")
        ]
        if not live:
            return None
        self.data.unit_clocks[(agency_id, uid)] = clocks
        self.raw_aliases["unit"] += [(alias, line, (agency_id, uid)) for alias, line in aliases]
        live = tuple(s for s in services if s is not None)
        return Unit(uid, name, live, tuple(a for a, _ in aliases), contacts, name_en=name_en)

    def _service(
        self, line: int, m: dict, unit: tuple[str, str], seen: dict[str, int], parent_live: bool
    ) -> Service | None:
        agency_id, unit_id = unit
        sid = self.slug(m, "id", f"a service in unit '{agency_id}/{unit_id}'")
        what = (
            f"service '{sid}' in unit '{agency_id}/{unit_id}'"
            if sid
            else f"the service at line {line}"
        )
        self.keys(m, what, SERVICE_KEYS, ("id", "name"))
        fresh = bool(sid) and self.unique(
            seen, sid, key_line(m, "id"), f"duplicate service id '{sid}' in unit '{unit_id}'"
        )
        if sid == OTHER_SERVICE_ID:
            self.error(key_line(m, "id"), _reserved(f"service id '{sid}' of {what}"))
            fresh = False
        name = self.text(m, "name", what)
        name_en = self.text(m, "name_en", what)
        aliases = self.aliases(m, what)
        for alias, alias_line in aliases:
            if alias == OTHER_SERVICE_ID:
                self.error(alias_line, _reserved(f"alias '{alias}' of {what}"))
        aliases = [(a, al) for a, al in aliases if a != OTHER_SERVICE_ID]
        clocks = self.clocks(m, what)
        code = self.text(m, "code", what)
        if code is not None and normalize(code) is None:
            self.error(
                key_line(m, "code"),
                f"invalid code '{code}' for {what}: use 6 characters from "
                "A-Z and 2-9 without I, L, O",
            )
            code = None
        if not (parent_live and fresh and name):
            return None
        key = (agency_id, unit_id, sid)
        self.point_lines[key] = key_line(m, "code") if code else key_line(m, "id")
        self.data.service_clocks[key] = clocks
        self.raw_aliases["service"] += [(alias, line, key) for alias, line in aliases]
        if code:
            self.explicit_codes[key] = normalize(code) or code
        derived = self.explicit_codes.get(key) or short_code(*key)
        return Service(sid, name, derived, tuple(a for a, _ in aliases), name_en=name_en)

    # --- pass 2: aliases --------------------------------------------------------------------

    def _resolve_aliases(self) -> None:
        """Old IDs map to live ones; an old ID may never shadow a live ID or another alias."""
        agencies = self.data.agency_aliases
        alias_lines: dict[Any, int] = {}
        for alias, line, aid in self.raw_aliases["agency"]:
            if alias in self.agency_lines:
                self.error(
                    line,
                    f"alias '{alias}' of agency '{aid}' is the id of an agency "
                    f"(line {self.agency_lines[alias]})",
                )
            elif alias in agencies:
                self.error(
                    line,
                    f"alias '{alias}' of agency '{aid}' is already an alias of agency "
                    f"'{agencies[alias]}' (line {alias_lines[alias]})",
                )
            else:
                agencies[alias] = aid
                alias_lines[alias] = line

        units = self.data.unit_aliases
        for alias, line, (aid, uid) in self.raw_aliases["unit"]:
            old_agency, _, old_unit = alias.rpartition("/")
            old_agency = old_agency or aid  # a plain alias is a unit of the same agency
            key = (agencies.get(old_agency, old_agency), old_unit)
            owner = f"unit '{aid}/{uid}'"
            if old_unit in self.units.get(key[0], {}):
                self.error(line, f"alias '{alias}' of {owner} is the id of unit '{'/'.join(key)}'")
            elif key in units:
                other = "/".join(units[key])
                self.error(
                    line,
                    f"alias '{alias}' of {owner} is already an alias of unit '{other}' "
                    f"(line {alias_lines[key]})",
                )
            else:
                units[key] = (aid, uid)
                alias_lines[key] = line

        services = self.data.service_aliases
        for alias, line, (aid, uid, sid) in self.raw_aliases["service"]:
            key = (aid, uid, alias)
            owner = f"service '{aid}/{uid}/{sid}'"
            if key in self.point_lines:
                self.error(line, f"alias '{alias}' of {owner} is the id of a service in its unit")
            elif key in services:
                self.error(
                    line,
                    f"alias '{alias}' of {owner} is already an alias of service "
                    f"'{services[key]}' (line {alias_lines[key]})",
                )
            else:
                services[key] = sid
                alias_lines[key] = line

    # --- pass 3: rules ----------------------------------------------------------------------

    def _rule(self, raw: tuple[str, int, dict]) -> Rule | None:
        region_id, line, m = raw
        rule_id = self.slug(m, "id", f"a rule in region '{region_id}'")
        what = f"rule '{rule_id}'" if rule_id else f"the rule at line {line}"
        self.keys(m, what, RULE_KEYS, ("id", "route_to"))
        fresh = bool(rule_id) and self.unique(
            self.rule_lines, rule_id, key_line(m, "id"), f"duplicate rule id '{rule_id}'"
        )
        description = self.text(m, "description", what) or ""
        conditions = self._when(m, what, region_id)
        target = self._route_to(m, what)
        clocks = self.clocks(m, what)
        if not fresh or conditions is None or target is None:
            return None
        return Rule(
            id=rule_id,
            region_id=region_id,
            route_agency=target[0],
            route_unit=target[1],
            description=description,
            clocks=clocks,
            **conditions,
        )

    def _when(self, rule: dict, what: str, region_id: str) -> dict | None:
        """Conditions keyed by Rule field; None if any is invalid (the rule is not built)."""
        if "when" not in rule:
            return {}
        where = f"'when' of {what}"
        m = self.mapping(rule["when"], where, key_line(rule, "when"))
        if m is None:
            return None
        self.keys(m, where, WHEN_KEYS, ())
        ok = True
        conditions: dict[str, Any] = {}
        scope: dict[str, frozenset[str]] = {}  # valid agencies/units named so far
        for key in WHEN_KEYS[:-1]:  # order matters: units are looked up in named agencies
            if key not in m:
                continue
            found = self._condition_values(m, key, where)
            if found is None:
                ok = False
                continue
            known = self._known(key, scope, region_id)
            for value, line in found:
                if value not in known:
                    ok = False
                    self.error(line, self._unknown(key, value, known, where, region_id, scope))
            conditions[_PLURAL[key]] = frozenset(v for v, _ in found)
            scope[key] = frozenset(v for v, _ in found if v in known)
        if "supervised" in m:
            if isinstance(m["supervised"], bool):
                conditions["supervised"] = m["supervised"]
            else:
                ok = False
                self.error(
                    key_line(m, "supervised"),
                    f"'supervised' in {where} must be true or false, not {kind(m['supervised'])}",
                )
        return conditions if ok else None

    def _known(self, key: str, scope: dict[str, frozenset[str]], region_id: str) -> set[str]:
        """The values a `when:` condition may name, narrowed by the agencies/units before it."""
        if key == "classification":
            return set(CLASSIFICATIONS)
        if key == "category":
            return {c.id for c in self.data.categories}
        agencies = scope.get("agency") or {
            a for a, r in self.agency_region.items() if r == region_id
        }
        if key == "agency":
            return set(agencies)
        units = [u for a in agencies for u in self.units.get(a, {}).values()]
        if key == "unit":
            return {u.id for u in units}
        named = scope.get("unit")
        known = {s.id for u in units if not named or u.id in named for s in u.services}
        if any(not named or self.other_units.get(a) in named for a in agencies):
            known.add(OTHER_SERVICE_ID)  # the built-in "Layanan lain" may be matched too
        return known

    def _unknown(self, key, value, known, where, region_id, scope) -> str:
        """Why a `when:` value names nothing, phrased for the admin who wrote it."""
        if key == "agency" and value in self.agency_region:
            return (
                f"agency '{value}' in {where} is in region '{self.agency_region[value]}', "
                f"but the rule only sees reports from region '{region_id}'"
            )
        if key == "agency" and value in self.data.agency_aliases:
            live = self.data.agency_aliases[value]
            return f"'{value}' in {where} is an old id of agency '{live}'; use '{live}'"
        within = {"unit": "agency", "service": "unit"}.get(key)
        where_else = (
            f" (not in the {within} named in the rule)"
            if within and scope.get(within)
            else (f" (not in region '{region_id}')" if within else "")
        )
        return f"unknown {key} '{value}' in {where}{where_else}{did_you_mean(value, known)}"

    def _condition_values(self, m: dict, key: str, where: str) -> list[tuple[str, int]] | None:
        """A `when:` value: one text or a non-empty list of texts, each with its line."""
        value = m[key]
        if isinstance(value, str):
            return [(value.strip(), key_line(m, key))]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return [(v.strip(), item_line(value, i)) for i, v in enumerate(value)]
        self.error(
            key_line(m, key),
            f"'{key}' in {where} must be text or a non-empty list of texts, not {kind(value)}",
        )
        return None

    def _route_to(self, rule: dict, what: str) -> tuple[str, str] | None:
        if "route_to" not in rule:
            return None
        where = f"'route_to' of {what}"
        m = self.mapping(rule["route_to"], where, key_line(rule, "route_to"), " with agency, unit")
        if m is None:
            return None
        self.keys(m, where, ("agency", "unit"), ("agency", "unit"))
        agency = self.text(m, "agency", where)
        unit = self.text(m, "unit", where)
        if agency is None or unit is None:
            return None
        if agency not in self.units:
            hint = did_you_mean(agency, self.units)
            if agency in self.data.agency_aliases:
                hint = f"; '{agency}' is an old id, use '{self.data.agency_aliases[agency]}'"
            self.error(key_line(m, "agency"), f"{what} routes to unknown agency '{agency}'{hint}")
            return None
        if unit not in self.units[agency]:
            hint = did_you_mean(unit, self.units[agency])
            self.error(
                key_line(m, "unit"),
                f"{what} routes to unknown unit '{unit}' in agency '{agency}'{hint}",
            )
            return None
        return agency, unit

    # --- pass 4: short codes ----------------------------------------------------------------

    def _index_short_codes(self) -> None:
        """Live codes first, then codes of old IDs; any code naming two counters is an error."""
        codes = self.data.short_codes
        for key in self.point_lines:
            code = self.explicit_codes.get(key) or short_code(*key)
            self._claim_code(code, key, f"short code '{code}' of '{'/'.join(key)}'")
        for key, old in self._old_id_triples():
            code = short_code(*old)
            if codes.get(code) != key:
                label = f"short code '{code}' of old ids '{'/'.join(old)}' (now '{'/'.join(key)}')"
                self._claim_code(code, key, label)

    def _claim_code(self, code: str, key: PointKey, label: str) -> None:
        owner = self.data.short_codes.setdefault(code, key)
        if owner != key:
            self.error(
                self.point_lines[key],
                f"{label} is already used by '{'/'.join(owner)}' (line {self.point_lines[owner]}); "
                "set a different 'code:' on one of them",
            )

    def _old_id_triples(self) -> Iterator[tuple[PointKey, PointKey]]:
        """Every (agency, unit, service) an old poster of a live counter may carry."""
        agency_names: dict[str, list[str]] = {a: [a] for a in self.units}
        for alias, live in self.data.agency_aliases.items():
            agency_names[live].append(alias)
        unit_keys: dict[tuple[str, str], list[tuple[str, str]]] = {
            (a, u): [(a, u)] for a, units in self.units.items() for u in units
        }
        for old, live in self.data.unit_aliases.items():
            unit_keys[live].append(old)
        service_names: dict[PointKey, list[str]] = {k: [k[2]] for k in self.point_lines}
        for (a, u, old), live in self.data.service_aliases.items():
            service_names[(a, u, live)].append(old)
        for key in self.point_lines:
            for agency_key, unit_name in unit_keys[key[:2]]:
                for agency_name in agency_names.get(agency_key, [agency_key]):
                    for service_name in service_names[key]:
                        old = (agency_name, unit_name, service_name)
                        if old != key:
                            yield key, old


_PLURAL = {
    "classification": "classifications",
    "category": "categories",
    "agency": "agencies",
    "unit": "units",
    "service": "services",
}

"""The compiled picture of routing_rules.yaml that the rest of the portal reads.

Pure data, no Flask: the loader/validator builds these objects once per file version and
the router answers questions from them, so a request never touches YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CLASSIFICATIONS: tuple[str, ...] = ("complaint", "aspiration", "information")
# What happens when a hold's allowance runs out without the citizen's answer: back to work
# with the clock running again, or closed as "no answer".
HOLD_RESUME = "resume"
HOLD_CLOSE = "close"
HOLD_EXPIRY: tuple[str, ...] = (HOLD_RESUME, HOLD_CLOSE)


@dataclass(frozen=True)
class Clocks:
    """Working-day allowances, in working days; the defaults are the SP4N-LAPOR! ones
    (verification 3; follow-up 5 for information and aspirations, 14 for complaints, 60 for
    supervised complaints; 10 for the citizen to react to a response). `hold`: working days
    the citizen has to answer a question (reminded halfway), then `hold_expiry` applies.
    Cases stored before these two keys existed read the defaults."""

    verification: int = 3
    information: int = 5
    aspiration: int = 5
    complaint: int = 14
    complaint_supervised: int = 60
    feedback: int = 10
    hold: int = 10
    hold_expiry: str = HOLD_RESUME

    def followup_for(self, classification: str, supervised: bool = False) -> int:
        if classification == "complaint" and supervised:
            return self.complaint_supervised
        return int(getattr(self, classification))


@dataclass(frozen=True)
class Contact:
    email: str
    name: str = ""
    role: str = ""


# The built-in "my service is not listed" counter every agency with a unit has. Its id is
# reserved (a service written in the file may not take it, nor an alias); it has no short
# code, so it can never take a code printed on a poster: citizens reach it at /lain/<agency>.
OTHER_SERVICE_ID = "layanan-lain"
OTHER_SERVICE_NAME = "Layanan lain (tidak ada di daftar)"
OTHER_SERVICE_NAME_EN = "Other service (not in the list)"


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    name_en: str | None = None


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    short_code: str  # empty for the built-in OTHER_SERVICE_ID (no poster, no code)
    aliases: tuple[str, ...] = ()
    name_en: str | None = None

    @property
    def is_other(self) -> bool:
        return self.id == OTHER_SERVICE_ID


OTHER_SERVICE = Service(
    OTHER_SERVICE_ID, OTHER_SERVICE_NAME, short_code="", name_en=OTHER_SERVICE_NAME_EN
)


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    services: tuple[Service, ...] = ()
    aliases: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    name_en: str | None = None


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    region_id: str
    units: tuple[Unit, ...] = ()
    aliases: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    name_en: str | None = None
    # The unit that receives "Layanan lain" reports (`other_unit:`; else the first unit).
    other_unit: str | None = None


@dataclass(frozen=True)
class Bounds:
    """A region's box in WGS84 degrees (`bounds:` in the routing file): reports with
    coordinates outside it are refused. Indonesia never crosses the antimeridian, so
    west < east always."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    prefix: str  # tracking-code prefix, upper case, e.g. "KSL"
    timezone: str  # IANA name, e.g. "Asia/Makassar"
    agencies: tuple[Agency, ...] = ()
    holidays: tuple[date, ...] = ()  # the region's extra days off, on top of national ones
    contacts: tuple[Contact, ...] = ()
    logo: str | None = None  # image for posters, relative to the routing file (as written)
    logo_line: int | None = field(default=None, compare=False)  # where `logo:` is written
    # The numbers citizens message, as printed on posters ("0811-5000-1708"); a region
    # without one has that channel off (no chat intake there, no messages sent from it).
    whatsapp: str | None = None
    sms: str | None = None
    # Regions whose rules may send their reports (and reporters' personal data) into this
    # region's queue: the destination's explicit, revocable consent (`accept_routes_from:`).
    accept_routes_from: tuple[str, ...] = ()
    # What the public record (the Open311 API) may show of this region's reports: the
    # report text, address and coordinates (`public_text:`), and the photos
    # (`public_photos:`); both off by default, when only the title is published.
    public_text: bool = False
    public_photos: bool = False
    bounds: Bounds | None = None
    name_en: str | None = None


def localized_name(thing: object, locale: str | None) -> str:
    """The name to show a reader of `locale`: the English one (`name_en:`) on English pages
    when the file has one, else the Indonesian `name` (always there)."""
    if locale is not None and str(locale).startswith("en"):
        english = getattr(thing, "name_en", None)
        if english:
            return english
    return getattr(thing, "name", str(thing))


def category_choices(categories: tuple[Category, ...], locale: str | None) -> list[tuple[str, str]]:
    """(id, label) pairs for the report form's category list, named for `locale`."""
    return [(c.id, localized_name(c, locale)) for c in categories]


def can_file(place: object) -> bool:
    """Whether the picker shows a region, agency or unit: a citizen can file under it.

    A unit needs a service of its own; an agency needs a unit (then it has its built-in
    "Layanan lain", see OTHER_SERVICE_ID); a region needs such an agency.
    """
    if isinstance(place, Unit):
        return bool(place.services)
    if isinstance(place, Agency):
        return bool(place.units)
    if isinstance(place, Region):
        return any(agency.units for agency in place.agencies)
    return False


@dataclass(frozen=True)
class ServicePoint:
    """One counter a poster stands at: the IDs a QR code carries, resolved to names."""

    region: Region
    agency: Agency
    unit: Unit
    service: Service

    @property
    def short_code(self) -> str:
        return self.service.short_code

    @property
    def ids(self) -> tuple[str, str, str]:
        return (self.agency.id, self.unit.id, self.service.id)


@dataclass(frozen=True)
class Destination:
    """Where a report goes: the region queue, who handles it, who hears of it, which clocks."""

    origin: ServicePoint
    region: Region
    agency: Agency
    unit: Unit
    contacts: tuple[Contact, ...]
    clocks: Clocks
    rule_id: str  # "default" when no rule matched
    version: str  # content hash of the routing file that decided
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "rule": self.rule_id,
            "region": {
                "id": self.region.id,
                "name": self.region.name,
                "prefix": self.region.prefix,
            },
            "agency": {"id": self.agency.id, "name": self.agency.name},
            "unit": {"id": self.unit.id, "name": self.unit.name},
            "origin": {
                "agency": self.origin.agency.id,
                "unit": self.origin.unit.id,
                "service": self.origin.service.id,
                "short_code": self.origin.short_code,
            },
            "contacts": [c.email for c in self.contacts],
            "clocks": {
                "verification": self.clocks.verification,
                "information": self.clocks.information,
                "aspiration": self.clocks.aspiration,
                "complaint": self.clocks.complaint,
                "complaint_supervised": self.clocks.complaint_supervised,
                "feedback": self.clocks.feedback,
                "hold": self.clocks.hold,
                "hold_expiry": self.clocks.hold_expiry,
            },
        }


class UnknownServicePoint(LookupError):
    """The IDs name no agency/unit/service in the active routing file (nor an alias)."""


@dataclass(frozen=True)
class RoutingIssue:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RoutingFileError(ValueError):
    """The routing file is invalid as a whole; `issues` lists every problem found."""

    def __init__(self, issues: list[RoutingIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))

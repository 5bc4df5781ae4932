"""What the poster pages show: the tree of printable services, registry rows, messages.

Kept out of the views so they stay a few lines each; everything here reads plain values
and returns plain values (messages go through gettext, so they follow the staff member's
language, while the posters themselves are always Indonesian).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.accounts.reach import AGENCY, EVERYTHING, REGION, reach_of
from portal.posters.models import ORIGIN_CLI, PosterBatch, PosterItem
from portal.posters.selection import UnknownSelection
from portal.posters.services import PosterRequestError, stored_warnings
from portal.routing.engine import Router
from portal.routing.model import Agency, Region, ServicePoint, Unit
from qr.poster import LogoProblem

SIZE_NAMES = {"a4": _l("A4"), "a5": _l("A5"), "a6-tent": _l("Tenda A6"), "sticker": _l("Stiker")}


# --- the form's tree of services -----------------------------------------------------------


@dataclass
class UnitNode:
    agency: Agency
    unit: Unit
    points: list[ServicePoint] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.agency.id}/{self.unit.id}"


@dataclass
class AgencyNode:
    agency: Agency
    units: list[UnitNode] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(u.points) for u in self.units)


@dataclass
class RegionNode:
    region: Region
    agencies: list[AgencyNode] = field(default_factory=list)
    whole_region: bool = False  # offer "every service of the region"
    whole_agency: bool = False  # offer "every service of the agency"

    @property
    def count(self) -> int:
        return sum(a.count for a in self.agencies)


def printable_tree(points: Iterable[ServicePoint], user: User) -> list[RegionNode]:
    """Regions > agencies > units > services, in file order, with the group boxes the
    user's role makes sense of (a unit officer gets no "whole agency" box)."""
    level = reach_of(user).level
    whole_region = level in (EVERYTHING, REGION)
    whole_agency = whole_region or level == AGENCY
    regions: dict[str, RegionNode] = {}
    agencies: dict[str, AgencyNode] = {}
    units: dict[tuple[str, str], UnitNode] = {}
    for point in points:
        region = regions.get(point.region.id)
        if region is None:
            region = regions[point.region.id] = RegionNode(
                point.region, whole_region=whole_region, whole_agency=whole_agency
            )
        agency = agencies.get(point.agency.id)
        if agency is None:
            agency = agencies[point.agency.id] = AgencyNode(point.agency)
            region.agencies.append(agency)
        unit_key = (point.agency.id, point.unit.id)
        unit = units.get(unit_key)
        if unit is None:
            unit = units[unit_key] = UnitNode(point.agency, point.unit)
            agency.units.append(unit)
        unit.points.append(point)
    return list(regions.values())


# --- messages ------------------------------------------------------------------------------


def unknown_selection_message(exc: UnknownSelection) -> str:
    messages = {
        "region": _("Daerah %(value)s tidak ada di berkas routing.", value=exc.value),
        "agency": _("Instansi %(value)s tidak ada di berkas routing.", value=exc.value),
        "unit": _("Unit %(value)s tidak ada di berkas routing.", value=exc.value),
        "service": _("Layanan %(value)s tidak ada di berkas routing.", value=exc.value),
    }
    return messages[exc.what]


def request_error_message(exc: PosterRequestError) -> str:
    messages = {
        "empty": _("Pilih minimal satu layanan yang akan dicetak."),
        "unknown-size": _("Ukuran poster tidak dikenal."),
        "unknown-format": _("Format berkas tidak dikenal."),
        "png-needs-one": _(
            "Format PNG hanya untuk satu layanan. Untuk beberapa layanan pilih PDF atau ZIP."
        ),
    }
    return messages[exc.code]


def _logo_message(kind: str, region_name: str, path: str) -> str:
    if kind.endswith("missing"):
        return _(
            "Logo daerah %(region)s tidak ditemukan (%(path)s); poster dibuat tanpa logo.",
            region=region_name,
            path=path,
        )
    return _(
        "Logo daerah %(region)s bukan gambar yang dapat dibaca (%(path)s); "
        "poster dibuat tanpa logo.",
        region=region_name,
        path=path,
    )


def logo_warnings(router: Router, problems: Mapping[str, LogoProblem]) -> list[str]:
    return [
        _logo_message(problem.reason, _region_name(router, region_id), problem.path)
        for region_id, problem in sorted(problems.items())
    ]


def _region_name(router: Router, region_id: str) -> str:
    region = router.region(region_id)
    return region.name if region is not None else region_id


# --- the registry --------------------------------------------------------------------------


@dataclass
class RegistryRow:
    batch: PosterBatch
    printed_at: datetime
    timezone: str
    who: str
    size: str
    visible: int  # posters of the batch within the reader's reach
    units: list[str]
    warnings: list[str]


def registry_rows(
    router: Router, batches: Sequence[PosterBatch], items: Mapping[int, list[PosterItem]]
) -> list[RegistryRow]:
    rows = []
    for batch in batches:
        mine = items.get(batch.id, [])
        rows.append(
            RegistryRow(
                batch=batch,
                printed_at=batch.created_at,
                timezone=router.timezone_for(mine[0].region_id if mine else ""),
                who=_who(batch),
                size=str(SIZE_NAMES.get(batch.size, batch.size)),
                visible=len(mine),
                units=_unit_lines(router, mine),
                warnings=[
                    _logo_message(w.kind, _region_name(router, w.region_id), w.path)
                    for w in stored_warnings(batch)
                ],
            )
        )
    return rows


def _who(batch: PosterBatch) -> str:
    if batch.created_by is not None:
        return batch.created_by.email
    return _("baris perintah") if batch.origin == ORIGIN_CLI else "?"


def _unit_lines(router: Router, items: Sequence[PosterItem]) -> list[str]:
    """'RSUD Ulin Banjarmasin – Poli Umum (3)', one line per unit, in page order."""
    counts: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item.agency_id, item.unit_id)
        counts[key] = counts.get(key, 0) + 1
    lines = []
    for (agency_id, unit_id), count in counts.items():
        agency = router.agency(agency_id)
        unit = router.unit(agency_id, unit_id)
        if agency is None or unit is None:
            name = _(
                "%(agency)s/%(unit)s (tidak ada lagi di berkas routing)",
                agency=agency_id,
                unit=unit_id,
            )
        else:
            name = f"{agency.name} – {unit.name}"
        lines.append(f"{name} ({count})")
    return lines

"""Printed promises: posters say "ditindaklanjuti paling lambat N hari kerja".

The poster registry does not store N; it stores the routing version each batch was printed
with (`poster_batches.routing_version`, the 12-digit hash complaints record too). N is
what that version gave the counter (portal.posters.content.followup_days), so it is
computed again from the stored version's text. When a change alters a printed counter's
N, every batch that now promises another number than the new one is listed. Pure: the
caller hands over the batches as plain values and a way to get a stored version's Router.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.posters.content import followup_days
from portal.routing.engine import Router

MAX_LISTED = 50


@dataclass(frozen=True)
class PrintedBatch:
    """The posters of one batch for one counter (the IDs their QR codes carry)."""

    batch_id: int
    printed_at: datetime  # UTC
    routing_version: str
    region_id: str
    agency_id: str
    unit_id: str
    service_id: str
    posters: int


@dataclass(frozen=True)
class BrokenPromise:
    batch_id: int
    printed_on: date  # in the counter's region, as in the poster's footer
    point: str  # "agency/unit/service"
    point_name: str  # "Agency – Unit – Service" (new names)
    printed_days: int
    new_days: int
    posters: int


def _days(router: Router, ids: tuple[str, str, str]) -> int | None:
    point = router.find_service_point(*ids)
    return None if point is None else followup_days(router, point)


def changed_counters(
    old: Router,
    new: Router,
    printed: Iterable[tuple[str, str, str]],
    regions: Collection[str] | None = None,
) -> list[tuple[str, str, str]]:
    """The printed counters (QR IDs) whose N this change alters, in `regions` (None: all):
    only their batches need to be read and compared."""
    result = []
    for ids in dict.fromkeys(printed):
        before, after = _days(old, ids), _days(new, ids)
        if before is None or after is None or before == after:
            continue
        point = new.find_service_point(*ids)
        if point is not None and (regions is None or point.region.id in regions):
            result.append(ids)
    return result


def broken_promises(
    old: Router,
    new: Router,
    printed: Iterable[PrintedBatch],
    router_of: Callable[[str], Router | None],
) -> tuple[list[BrokenPromise], int]:
    """(listed promises, total) of batches whose printed N differs from `new`'s N, for
    counters whose N this change alters. `router_of(hash)` is the stored version the batch
    was printed with, or None (not stored: the active version's N then stands for it)."""
    found: list[BrokenPromise] = []
    changed: dict[tuple[str, str, str], int | None] = {}
    for batch in printed:
        ids = (batch.agency_id, batch.unit_id, batch.service_id)
        if ids not in changed:
            before, after = _days(old, ids), _days(new, ids)
            changed[ids] = after if before is not None and before != after else None
        new_days = changed[ids]
        if new_days is None:
            continue  # the clock stays (or the poster stops working: listed elsewhere)
        then = router_of(batch.routing_version)
        printed_days = _days(then, ids) if then is not None else None
        if printed_days is None:
            printed_days = _days(old, ids)
        if printed_days is None or printed_days == new_days:
            continue
        point = new.find_service_point(*ids)
        assert point is not None  # new_days was computed from it
        found.append(
            BrokenPromise(
                batch_id=batch.batch_id,
                printed_on=_local_date(batch.printed_at, point.region.timezone),
                point="/".join(ids),
                point_name=f"{point.agency.name} – {point.unit.name} – {point.service.name}",
                printed_days=printed_days,
                new_days=new_days,
                posters=batch.posters,
            )
        )
    found.sort(key=lambda p: (p.batch_id, p.point))
    return found[:MAX_LISTED], len(found)


def _local_date(moment: datetime, timezone: str) -> date:
    try:
        return moment.astimezone(ZoneInfo(timezone)).date()
    except (ValueError, KeyError):
        return moment.date()

"""Filters for reviving given-up deliveries in bulk (dead e-mail, failed mirror items), read
from the command line or a staff form, and the region an admin's bulk action is held to.

The dates are whole days on the chosen region's clock (a regional admin's own region), else
WIB: the clock the page's times are shown in. A region must be one
the person reaches (portal/accounts/reach.py): a regional admin who types another region
into the form gets "unknown region" and nothing changes; the region is also part of the
UPDATE itself, so no form can widen it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select

from portal.accounts.models import User
from portal.accounts.reach import reach_of
from portal.clocks.deadlines import zone
from portal.extensions import db
from portal.outbox.channel import Channel
from portal.outbox.revive import FilterError, ReviveFilter, count_given_up, parse_filter, revive
from portal.routing.active import get_router
from portal.routing.engine import DEFAULT_TIMEZONE
from portal.staff.scoping import admin_region

FIELDS = ("region", "since", "until", "error")


def known_regions(channel: Channel) -> list[str]:
    """Every region a super-admin may filter by: the routing file's, and any region still
    named by a given-up row (a region since removed from the file)."""
    model = channel.model
    stale = select(model.region_id).where(
        model.status == channel.give_up_state, model.region_id.is_not(None)
    )
    names = [r.id for r in get_router().regions]
    names += sorted(set(db.session.execute(stale.distinct()).scalars()) - set(names))
    return names


def regions_for(user: User, channel: Channel) -> list[str]:
    """The regions this admin may filter by (403 for anyone who may not use the page)."""
    region = admin_region(user)
    if region is None:
        return known_regions(channel)
    return [r.id for r in reach_of(user).regions(get_router()) if r.id == region]


def region_names() -> dict[str, str]:
    """Region names for the filter's choices (a removed region shows its id)."""
    return {r.id: r.name for r in get_router().regions}


def filter_timezone(region: str | None, regions: list[str]) -> str:
    """The zone the filter's dates are days of: the chosen region's, or the only region's
    (a regional admin's), else WIB (a super admin over every region)."""
    chosen = region or (regions[0] if len(regions) == 1 else "")
    if chosen not in regions:
        return DEFAULT_TIMEZONE
    return get_router().timezone_for(chosen) if chosen else DEFAULT_TIMEZONE


def read_filter(values: Mapping[str, str | None], regions: list[str]) -> ReviveFilter:
    """The filter typed in (FIELDS); raises FilterError, nothing is changed then."""
    return parse_filter(
        region=values.get("region"),
        since=values.get("since"),
        until=values.get("until"),
        error=values.get("error"),
        regions=regions,
        zone=zone(filter_timezone(values.get("region"), regions)),
    )


def scoped_conditions(
    channel: Channel, wanted: ReviveFilter, scope_region: str | None
) -> list[ColumnElement[bool]]:
    """The filter's conditions, held to the admin's region (None: every region)."""
    where = wanted.conditions(channel.model)
    if scope_region is not None:
        where.append(channel.model.region_id == scope_region)
    return where


def message_for(exc: FilterError) -> str:
    """What went wrong, in the reader's language."""
    if exc.field == "region":
        return _("Daerah %(value)s tidak dikenal.", value=exc.value)
    if exc.field == "range":
        return _("Tanggal akhir lebih awal dari tanggal mulai; tidak ada yang diubah.")
    if exc.field == "error":
        return _("Teks penyebab terlalu panjang (paling banyak 200 karakter).")
    return _("%(value)s bukan tanggal; tulis seperti 2026-01-31.", value=exc.value)


def count_matching(channel: Channel, wanted: ReviveFilter, scope_region: str | None) -> int:
    """How many given-up rows the filter matches within the admin's region."""
    return count_given_up(channel, *scoped_conditions(channel, wanted, scope_region))


def revive_matching(
    channel: Channel, wanted: ReviveFilter, scope_region: str | None, now: datetime | None = None
) -> int:
    """Revive every given-up row the filter matches within the admin's region (each keeps
    its Message-ID or idempotency key); returns how many."""
    return revive(channel, *scoped_conditions(channel, wanted, scope_region), now=now)


def revive_typed(
    channel: Channel, user: User, form: Mapping[str, str | None]
) -> tuple[dict[str, str], int | str]:
    """A bulk form as typed on a staff page: (the typed values, to show them again, and
    how many rows were revived within the admin's region, or the message of a bad filter,
    with nothing changed)."""
    typed = {name: (form.get(name) or "").strip() for name in FIELDS}
    try:
        wanted = read_filter(typed, regions_for(user, channel))
    except FilterError as exc:
        return typed, message_for(exc)
    return typed, revive_matching(channel, wanted, admin_region(user))

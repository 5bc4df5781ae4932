"""What the dashboard views share: reading the period from the URL and building the overview."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import current_app
from flask_babel import gettext as _

from portal.clocks.deadlines import local_date
from portal.clocks.plausible import plausible_years
from portal.dashboard.overview import Overview, build_overview
from portal.dashboard.period import DEFAULT_PRESET, PRESETS, PeriodError, parse_period
from portal.routing.engine import Router
from portal.routing.model import Region
from portal.timeutil import utcnow


def period_labels() -> dict[str, str]:
    return {
        "12-bulan": _("12 bulan terakhir"),
        "bulan-ini": _("Bulan ini"),
        "3-bulan": _("3 bulan terakhir"),
        "tahun-ini": _("Tahun ini"),
        "tahun-lalu": _("Tahun lalu"),
    }


def region_today(region: Region) -> date:
    return local_date(utcnow(), region.timezone)


def overview_from_args(
    router: Router,
    region: Region,
    args: Mapping[str, str],
    *,
    agency_id: str | None = None,
    public: bool = False,
) -> tuple[Overview, str | None]:
    """The overview for ?periode= or ?dari=&sampai=; an unreadable period shows the default
    with a message, never an error page."""
    today = region_today(region)
    problem = None
    preset = args.get("periode") or None
    first, last = args.get("dari"), args.get("sampai")
    if preset is not None and args.get("pilih") != "bulan":
        first = last = None  # the preset's own button: the month boxes are only prefilled
    if preset is not None and preset not in PRESETS:
        preset, problem = DEFAULT_PRESET, _("Periode tidak dikenal; ditampilkan 12 bulan terakhir.")
    try:
        period = parse_period(preset, first, last, today)
    except PeriodError:
        period = parse_period(DEFAULT_PRESET, None, None, today)
        first_year, last_year = plausible_years(today)
        problem = _(
            "Periode tidak dapat dibaca. Tulis bulan sebagai TTTT-BB (mis. 2026-01) antara "
            "tahun %(first)s dan %(last)s, bulan akhir tidak sebelum bulan awal, paling lama "
            "10 tahun. Ditampilkan 12 bulan terakhir.",
            first=first_year,
            last=last_year,
        )
    overview = build_overview(
        router,
        region,
        period,
        today,
        agency_id=agency_id,
        public=public,
        refresh_every=current_app.config["DASHBOARD_REFRESH_SECONDS"],
    )
    return overview, problem


def period_query(overview: Overview) -> dict[str, str]:
    """URL arguments that name the overview's period (for links to drill-downs and CSV)."""
    if overview.period.preset:
        return {"periode": overview.period.preset}
    return {
        "dari": overview.period.first.strftime("%Y-%m"),
        "sampai": overview.period.last.strftime("%Y-%m"),
    }

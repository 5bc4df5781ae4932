"""The leaders' dashboard (/staf/dasbor) and the public statistics pages (/statistik)."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.clocks.calendar import calendar_for
from portal.dashboard.access import dashboard_agency, dashboard_region, may_view_dashboard
from portal.dashboard.charts import Series, bar_chart, line_chart
from portal.dashboard.export import overview_csv
from portal.dashboard.figures import rounded
from portal.dashboard.holds import HeldFigures, held_figures
from portal.dashboard.page import overview_from_args, period_labels, period_query, region_today
from portal.routing.active import get_router
from portal.routing.engine import Router
from portal.routing.model import Region
from portal.staff.scoping import visible_complaints

bp = Blueprint("dashboard", __name__, url_prefix="/staf/dasbor")
public_bp = Blueprint("public_stats", __name__, url_prefix="/statistik")
PUBLIC_MAX_AGE = 300  # seconds a browser or proxy may reuse the public page


@bp.get("")
@login_required
def region_view():
    router = get_router()
    region = dashboard_region(current_user, router, request.args.get("daerah"))
    overview, problem = overview_from_args(router, region, request.args)
    return render_template(
        "dashboard/leader.html",
        overview=overview,
        problem=problem,
        agency=None,
        regions=router.regions if current_user.role == "super-admin" else (),
        periods=period_labels(),
        query=period_query(overview),
        group_link=partial(_agency_link, period_query(overview)),
        held=_held(router, region),
    )


def _held(router: Router, region: Region, agency_id: str | None = None) -> HeldFigures:
    """Cases waiting for the citizen now, through the viewer's own scope."""
    return held_figures(
        visible_complaints(current_user),
        region.id,
        region.timezone,
        region_today(region),
        calendar_for(router.holidays_for(region.id)),
        agency_id,
    )


def _agency_link(query: dict[str, str], agency_id: str) -> str:
    return url_for("dashboard.agency_view", agency_id=agency_id, **query)


@bp.get("/instansi/<agency_id>")
@login_required
def agency_view(agency_id: str):
    router = get_router()
    region, agency = dashboard_agency(current_user, router, agency_id)
    overview, problem = overview_from_args(router, region, request.args, agency_id=agency.id)
    return render_template(
        "dashboard/leader.html",
        overview=overview,
        problem=problem,
        agency=agency,
        regions=(),
        periods=period_labels(),
        query=period_query(overview),
        held=_held(router, region, agency.id),
    )


@bp.get("/unduh.csv")
@login_required
def export_csv():
    router = get_router()
    agency_id = request.args.get("instansi") or None
    if agency_id:
        region, _agency = dashboard_agency(current_user, router, agency_id)
    else:
        region = dashboard_region(current_user, router, request.args.get("daerah"))
    overview, _problem = overview_from_args(router, region, request.args, agency_id=agency_id)
    name = (
        f"rekap-{agency_id or region.id}-{overview.period.first:%Y-%m}-{overview.period.last:%Y-%m}"
    )
    return Response(
        overview_csv(overview),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@public_bp.get("")
def public_index():
    response = Response(
        render_template("dashboard/public_index.html", regions=get_router().regions)
    )
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    return response


@public_bp.get("/<region_id>")
def public_region(region_id: str):
    router = get_router()
    region = router.region(region_id)
    if region is None:
        abort(404)
    overview, problem = overview_from_args(router, region, request.args, public=True)
    response = Response(
        render_template(
            "dashboard/public.html",
            overview=overview,
            problem=problem,
            periods=period_labels(),
            query=period_query(overview),
        )
    )
    # Aggregates only, the same for everyone: shared caches may keep it for a few minutes.
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.vary.add("Cookie")  # the language choice lives in a cookie
    return response


@bp.app_template_filter("num")
def num_filter(value: float | int | None, digits: int = 1) -> str:
    """A figure in the reader's locale (87,5 in Indonesian); a dash when there is none."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0")


@bp.app_template_filter("month_name")
def month_name_filter(month: date) -> str:
    return format_date(month, "MMMM yyyy")


@bp.app_template_filter("month_short")
def month_short_filter(month: date) -> str:
    return format_date(month, "MMM yy")


@bp.app_template_filter("format_date")
def format_date_filter(day: date, fmt: str = "medium") -> str:
    return format_date(day, fmt)


def column_labels() -> dict[str, str]:
    """The table's column names, translated once per page rather than once per cell."""
    return {
        "received": _("Masuk"),
        "handled": _("Ditangani"),
        "resolved": _("Selesai"),
        "resolved_pct": _("Persen selesai"),
        "answered_on_time": _("Tepat waktu"),
        "on_time_pct": _("Persen tepat waktu"),
        "response_median": _("Tanggapan pertama, median hari"),
        "response_mean": _("Tanggapan pertama, rata-rata hari"),
        "completion_median": _("Selesai, median hari"),
        "completion_mean": _("Selesai, rata-rata hari"),
        "overdue_now": _("Terlambat saat ini"),
        "rating_mean": _("Nilai rata-rata (1–5)"),
    }


def category_label(category_id: str) -> str:
    if not category_id:
        return _("Tanpa kategori")
    category = get_router().category(category_id)
    return category.name if category else category_id


def _markup(draw):
    """The chart functions escape every text they place (charts.py), so their SVG is safe."""

    def render(*args, **kwargs) -> Markup:
        return Markup(draw(*args, **kwargs))  # noqa: S704 - escaped in charts.py

    return render


@bp.app_context_processor
def dashboard_helpers() -> dict:
    return {
        "rounded": rounded,
        "may_view_dashboard": may_view_dashboard,
        "bar_chart": _markup(bar_chart),
        "line_chart": _markup(line_chart),
        "series": Series,
        "category_label": category_label,
        "column_labels": column_labels,
    }

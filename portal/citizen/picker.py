"""Finding the counter without a QR code: the manual picker, the search, "Layanan lain".

Registered on the citizen blueprint (portal.citizen.routes imports this module). No
JavaScript: every step is a link or a GET form. The picker shows only what a citizen can
file under, every service list ends with "Layanan saya tidak ada di daftar", and the
search (Router.search_index, built once per routing file version) finds a counter by the
names of its service, unit or agency in either language.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import get_locale

from portal.citizen.routes import _report, bp
from portal.routing.active import get_router
from portal.routing.model import can_file, localized_name
from portal.routing.search import MAX_QUERY_CHARS, MAX_RESULTS, TOO_LONG
from qr.shortcode import format_code


@bp.app_template_filter("named")
def named(place: object) -> str:
    """`{{ region|named }}`: the place's name in the reader's language (citizen pages)."""
    return localized_name(place, str(get_locale()))


@bp.app_template_filter("fileable")
def fileable(places) -> list:
    """`{% for a in region.agencies|fileable %}`: only what a citizen can file under."""
    return [place for place in places if can_file(place)]


@bp.get("/")
def index():
    return render_template("citizen/index.html", regions=get_router().regions)


@bp.get("/pilih/<region_id>")
@bp.get("/pilih/<region_id>/<agency_id>")
@bp.get("/pilih/<region_id>/<agency_id>/<unit_id>")
def pick(region_id: str, agency_id: str | None = None, unit_id: str | None = None):
    """The manual picker, one level per page, for citizens without a QR."""
    router = get_router()
    region = router.region(region_id) or abort(404)
    agency = unit = None
    if agency_id:
        agency = router.agency(agency_id)
        if agency is None or agency.id != agency_id or agency.region_id != region.id:
            abort(404)
    if unit_id:
        unit = router.unit(agency.id, unit_id)
        if unit is None or unit.id != unit_id:
            abort(404)
    other = router.other_point(agency.id) if agency else None
    return render_template(
        "citizen/pick.html",
        region=region,
        agency=agency,
        unit=unit,
        other=other,
        format_code=format_code,
    )


@bp.get("/cari")
def search():
    """Counters whose names hold every word typed (`q`), in one region (`wilayah`) or all."""
    router = get_router()
    typed = request.args.get("q", "")
    region = router.region(request.args.get("wilayah", "")) if request.args.get("wilayah") else None
    outcome = router.search_index.search(typed, region.id if region else None)
    status = 400 if outcome.problem == TOO_LONG else 200
    return render_template(
        "citizen/search.html",
        typed=typed[:MAX_QUERY_CHARS],
        region=region,
        outcome=outcome,
        max_results=MAX_RESULTS,
        max_chars=MAX_QUERY_CHARS,
        regions=router.regions,
    ), status


@bp.route("/lain/<agency_id>", methods=["GET", "POST"])
def other_service(agency_id: str):
    """The report form for "Layanan lain (tidak ada di daftar)" of an agency: filed and
    routed like any counter's, so a citizen whose service is not listed can still report."""
    point = get_router().other_point(agency_id)
    if point is None:
        return render_template("citizen/gone.html"), 404
    return _report(point)

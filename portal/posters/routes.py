"""The staff pages "Cetak Poster" (pick services, size, format; download) and its registry."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, render_template, request
from flask_login import current_user, login_required

from forms.posters import PosterForm
from portal.posters import queries
from portal.posters.content import load_region_logos
from portal.posters.models import ORIGIN_WEB
from portal.posters.page import (
    logo_warnings,
    printable_tree,
    registry_rows,
    request_error_message,
    unknown_selection_message,
)
from portal.posters.scope import in_scope, may_print, may_view_registry, printable_points
from portal.posters.selection import UnknownSelection, points_from_form
from portal.posters.services import PosterRequestError, start_batch
from portal.routing.active import get_router

bp = Blueprint("posters", __name__, url_prefix="/staf/poster")

CHECKBOXES = ("region", "agency", "unit", "service")


@bp.app_context_processor
def _nav_helpers() -> dict:
    return {"may_print_posters": may_print}


@bp.get("/")
@login_required
def print_form():
    if not may_print(current_user):
        abort(403)
    return _form_page(PosterForm())


@bp.post("/")
@login_required
def download():
    if not may_print(current_user):
        abort(403)
    form = PosterForm()
    if not form.validate_on_submit():
        return _form_page(form), 400
    router = get_router()
    try:
        selection = points_from_form(
            router,
            services=request.form.getlist("service"),
            units=request.form.getlist("unit"),
            agencies=request.form.getlist("agency"),
            regions=request.form.getlist("region"),
        )
    except UnknownSelection as exc:
        return _form_page(form, error=unknown_selection_message(exc)), 400
    if not all(in_scope(current_user, point) for point in selection.points):
        abort(403)
    try:
        started = start_batch(
            router,
            selection,
            size=form.size.data,
            fmt=form.format.data,
            origin=ORIGIN_WEB,
            keys=current_app.config["QR_SIGNING_KEYS"],
            base_url=current_app.config["PUBLIC_BASE_URL"],
            user_id=current_user.id,
        )
    except PosterRequestError as exc:
        return _form_page(form, error=request_error_message(exc)), 400
    for message in logo_warnings(router, started.logo_problems):
        flash(message)
    return Response(
        started.chunks(),
        mimetype=started.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{started.filename}"',
            "X-Poster-Batch": str(started.batch_id),
        },
    )


@bp.get("/riwayat")
@login_required
def registry():
    if not may_view_registry(current_user):
        abort(403)
    batches = queries.visible_batches(current_user)
    items = queries.visible_items(current_user, [b.id for b in batches])
    return render_template(
        "posters/registry.html",
        rows=registry_rows(get_router(), batches, items),
        can_print=may_print(current_user),
    )


def _form_page(form: PosterForm, error: str | None = None) -> str:
    router = get_router()
    points = printable_points(current_user, router)
    regions = {p.region.id: p.region for p in points}
    selected = {name: set(request.form.getlist(name)) for name in CHECKBOXES}
    return render_template(
        "posters/print.html",
        form=form,
        tree=printable_tree(points, current_user),
        selected=selected,
        error=error,
        warnings=logo_warnings(router, load_region_logos(router, regions.values()).problems),
    )

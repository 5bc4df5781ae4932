"""The staff side: the regional queue and a read-only case page (handling comes later)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from forms.queue import filter_form, query_args, read_filters, tab_names
from portal.routing.active import get_router
from portal.staff.queue import queue_page, queue_scope
from portal.timeutil import utcnow

bp = Blueprint("staff", __name__, url_prefix="/staf")


@bp.get("/")
@bp.get("/antrian")
@login_required
def queue():
    router = get_router()
    form = filter_form(request.args, queue_scope(router, current_user))
    filters, problems = read_filters(form)
    return render_template(
        "staff/queue.html",
        form=form,
        filters=filters,
        problems=problems,
        page=queue_page(current_user, filters, router, utcnow()),
        tabs=tab_names(),
        link=partial(query_args, filters),
        region=router.region(current_user.region_id) if current_user.region_id else None,
    )

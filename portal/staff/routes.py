"""The staff queue: the cases of your scope, with filters, tabs and counts."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from forms.queue import filter_form, query_args, read_filters, tab_names
from portal.accounts.reach import reach_of
from portal.routing.active import get_router
from portal.staff.queue import queue_page, queue_scope
from portal.staff.revive_filters import filter_timezone
from portal.timeutil import utcnow

bp = Blueprint("staff", __name__, url_prefix="/staf")


def _own_region(router):
    """The region named in the page title: the one region an account works in."""
    reach = reach_of(current_user)
    regions = () if reach.everything else reach.regions(router)
    return regions[0] if regions else None


@bp.get("/")
@bp.get("/antrian")
@login_required
def queue():
    return render_queue()


def render_queue(
    *,
    selected: frozenset[str] = frozenset(),
    bulk_kept: dict[str, str] | None = None,
    bulk_errors: tuple[str, ...] = (),
    bulk_done: str | None = None,
    status: int = 200,
):
    """The queue page for the filters in the URL; the bulk actions (portal.cases) render
    it again with what they did, what they refused and why, and the staff member's
    choices kept.

    Which rows get a checkbox and which moves the action bar offers is the cases
    package's answer (`bulk_choices`, a template helper it registers), so the queue knows
    nothing of the state machine.
    """
    router = get_router()
    form = filter_form(request.args, queue_scope(router, current_user))
    now = utcnow()
    filters, problems = read_filters(form, now.date())
    return render_template(
        "staff/queue.html",
        form=form,
        filters=filters,
        problems=problems,
        page=queue_page(current_user, filters, router, now),
        tabs=tab_names(),
        link=partial(query_args, filters),
        region=_own_region(router),
        selected=selected,
        bulk_kept=bulk_kept or {},
        bulk_errors=bulk_errors,
        bulk_done=bulk_done,
    ), status


# The revive filter (templates/staff/_revive_filter.html) labels its dates with this clock.
bp.add_app_template_global(filter_timezone)

"""Staff pages of the outbox: dead messages, with the reason, a button to re-send one, and a
filter (region, creation dates, error text) with one button to re-send every match.

Super-admins see every region's messages, a regional admin its own region's; other roles
are refused (403). A message outside the admin's scope answers 404, as cases do; a bulk
re-send is held to the admin's region in the UPDATE itself.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from portal.extensions import db
from portal.notifications.delivery import EmailChannel, resend
from portal.notifications.models import DEAD, OutboxMessage
from portal.outbox.revive import FilterError
from portal.staff.revive_filters import (
    FIELDS,
    count_matching,
    message_for,
    read_filter,
    region_names,
    regions_for,
    revive_typed,
)
from portal.staff.scoping import admin_region

bp = Blueprint("notifications", __name__, url_prefix="/staf/surel")
PAGE_SIZE = 200


def scoped_messages(user) -> Select:
    """The outbox rows this admin may see and re-send."""
    stmt = select(OutboxMessage)
    region = admin_region(user)
    return stmt if region is None else stmt.where(OutboxMessage.region_id == region)


@bp.get("/gagal")
@login_required
def dead_messages():
    channel = EmailChannel()
    scope = admin_region(current_user)
    regions = regions_for(current_user, channel)
    typed = {name: (request.args.get(name) or "").strip() for name in FIELDS}
    problem, matching = None, None
    try:
        wanted = read_filter(typed, regions)
    except FilterError as exc:
        problem, wanted = message_for(exc), None
    stmt = scoped_messages(current_user).where(OutboxMessage.status == DEAD)
    if wanted is not None:
        stmt = stmt.where(*wanted.conditions(OutboxMessage))
        matching = count_matching(channel, wanted, scope)
    rows = []
    if problem is None:
        stmt = stmt.order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
        rows = db.session.execute(stmt).scalars().all()
    return render_template(
        "notifications/dead.html",
        rows=rows,
        typed=typed,
        regions=regions,
        region_names=region_names(),
        problem=problem,
        matching=matching,
        filtered=any(typed.values()),
    )


@bp.post("/<int:message_id>/kirim-ulang")
@login_required
def resend_message(message_id: int):
    stmt = scoped_messages(current_user).where(OutboxMessage.id == message_id)
    row = db.session.execute(stmt).scalar_one_or_none()
    if row is None:
        abort(404)
    if resend(row.id):
        flash(_("Surel dijadwalkan untuk dikirim ulang."))
    if request.form.get("back") == "case" and row.complaint is not None:  # from the case page
        return redirect(url_for("cases.case", code=row.complaint.tracking_code), code=303)
    return redirect(url_for(".dead_messages"), code=303)


@bp.post("/kirim-ulang-semua")
@login_required
def resend_matching():
    """Re-send every dead message the filter matches (within the admin's region)."""
    typed, revived = revive_typed(EmailChannel(), current_user, request.form)
    back = url_for(".dead_messages", **{k: v for k, v in typed.items() if v})
    if isinstance(revived, str):  # a bad filter: its message, nothing changed
        flash(revived)
        return redirect(back, code=303)
    flash(
        ngettext(
            "%(num)s surel dijadwalkan untuk dikirim ulang.",
            "%(num)s surel dijadwalkan untuk dikirim ulang.",
            revived,
        )
    )
    return redirect(back, code=303)

"""The failed WhatsApp/SMS page, sibling of the failed e-mail page (/staf/surel/gagal): dead
phone messages with their reason and case, a button to re-send one, and the same filter
(region, dates, error text) with one button to re-send every match.

Super-admins see every region's, a regional admin their own region's; others get 403. A row
outside the admin's region answers 404; a bulk re-send is held to the region in the UPDATE.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal.extensions import db
from portal.messaging.failed import (
    PHONE_OUTBOX,
    revive_phone,
    revive_phone_matching,
    scoped_phone_message,
    scoped_phone_messages,
    with_case_codes,
)
from portal.messaging.models import DEAD, SENT, PhoneMessage
from portal.outbox.revive import FilterError
from portal.staff.revive_filters import (
    FIELDS,
    count_matching,
    message_for,
    read_filter,
    region_names,
    regions_for,
)
from portal.staff.scoping import admin_region

bp = Blueprint("phone_messages", __name__, url_prefix="/staf/pesan")
PAGE_SIZE = 200


@bp.get("/gagal")
@login_required
def dead_messages():
    scope = admin_region(current_user)
    regions = regions_for(current_user, PHONE_OUTBOX)
    typed = {name: (request.args.get(name) or "").strip() for name in FIELDS}
    problem, matching, wanted = None, None, None
    try:
        wanted = read_filter(typed, regions)
    except FilterError as exc:
        problem = message_for(exc)
    stmt = scoped_phone_messages(current_user).where(PhoneMessage.status == DEAD)
    if wanted is not None:
        stmt = stmt.where(*wanted.conditions(PhoneMessage))
        matching = count_matching(PHONE_OUTBOX, wanted, scope)
    rows, refused = [], []
    if problem is None:
        stmt = with_case_codes(stmt.order_by(PhoneMessage.id.desc()).limit(PAGE_SIZE))
        rows = db.session.execute(stmt).all()
        # Taken by the provider, then reported undeliverable: shown so the clerk knows,
        # not re-sendable here (the number itself is the problem more often than not).
        later = scoped_phone_messages(current_user).where(
            PhoneMessage.status == SENT, PhoneMessage.delivery_status == "failed"
        )
        if wanted is not None:
            later = later.where(*wanted.conditions(PhoneMessage))
        later = with_case_codes(later.order_by(PhoneMessage.id.desc()).limit(PAGE_SIZE))
        refused = db.session.execute(later).all()
    return render_template(
        "notifications/phone_dead.html",
        rows=rows,
        refused=refused,
        typed=typed,
        regions=regions,
        region_names=region_names(),
        problem=problem,
        matching=matching,
        filtered=any(typed.values()),
    )


@bp.post("/<int:phone_message_id>/kirim-ulang")
@login_required
def resend_message(phone_message_id: int):
    row = scoped_phone_message(current_user, phone_message_id)
    if row is None:
        abort(404)
    if revive_phone(row.id):
        flash(_("Pesan dijadwalkan untuk dikirim ulang."))
    if request.form.get("back") == "case" and row.complaint is not None:
        return redirect(url_for("cases.case", code=row.complaint.tracking_code), code=303)
    return redirect(url_for(".dead_messages"), code=303)


@bp.post("/kirim-ulang-semua")
@login_required
def resend_matching():
    """Re-send every dead phone message the filter matches (within the admin's region)."""
    typed, revived = revive_phone_matching(current_user, request.form)
    back = url_for(".dead_messages", **{k: v for k, v in typed.items() if v})
    if isinstance(revived, str):  # a bad filter: its message, nothing changed
        flash(revived)
        return redirect(back, code=303)
    flash(
        ngettext(
            "%(num)s pesan dijadwalkan untuk dikirim ulang.",
            "%(num)s pesan dijadwalkan untuk dikirim ulang.",
            revived,
        )
    )
    return redirect(back, code=303)

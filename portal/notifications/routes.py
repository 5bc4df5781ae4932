"""Staff pages of the outbox: dead messages, with the reason, and a button to re-send.

Super-admins see every region's messages, a regional admin its own region's; other roles
are refused (403). A message outside the admin's scope answers 404, as cases do.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from portal.extensions import db
from portal.notifications.delivery import resend
from portal.notifications.models import DEAD, OutboxMessage
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
    stmt = (
        scoped_messages(current_user)
        .where(OutboxMessage.status == DEAD)
        .order_by(OutboxMessage.id.desc())
        .limit(PAGE_SIZE)
    )
    rows = db.session.execute(stmt).scalars().all()
    return render_template("notifications/dead.html", rows=rows)


@bp.post("/<int:message_id>/kirim-ulang")
@login_required
def resend_message(message_id: int):
    stmt = scoped_messages(current_user).where(OutboxMessage.id == message_id)
    row = db.session.execute(stmt).scalar_one_or_none()
    if row is None:
        abort(404)
    if resend(row.id):
        flash(_("Surel dijadwalkan untuk dikirim ulang."))
    return redirect(url_for(".dead_messages"), code=303)

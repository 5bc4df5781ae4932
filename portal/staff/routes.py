"""The staff side: the regional queue and a read-only case page (handling comes later)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.complaints.display import place_names
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.routing.active import get_router
from portal.staff.scoping import visible_complaints

bp = Blueprint("staff", __name__, url_prefix="/staf")
QUEUE_PAGE = 100


@bp.get("/")
@bp.get("/antrian")
@login_required
def queue():
    stmt = (
        visible_complaints(current_user)
        .order_by(Complaint.submitted_at.desc(), Complaint.id.desc())
        .limit(QUEUE_PAGE)
    )
    complaints = db.session.execute(stmt).scalars().all()
    router = get_router()
    return render_template(
        "staff/queue.html",
        complaints=complaints,
        names={c.id: place_names(router, c) for c in complaints},
        region=router.region(current_user.region_id) if current_user.region_id else None,
    )

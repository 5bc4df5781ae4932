"""The audit trail's page and CSV export, scoped by reach_of like every staff query.
(Skeleton.)"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("audit", __name__, url_prefix="/staf/jejak-audit")


@bp.get("/")
@login_required
def index():
    abort(501)


@bp.get("/ekspor.csv")
@login_required
def export():
    abort(501)

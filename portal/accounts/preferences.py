"""The staff member's own settings on the account page: language and e-mail notices.
(Skeleton.)"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("preferences", __name__, url_prefix="/staf/akun")


@bp.post("/preferensi")
@login_required
def save():
    abort(501)

"""The account pages: the super admin's and a regional admin's management of staff accounts.

Who may manage whom is portal/accounts/management.py; every list, count and page here asks
it. (Skeleton: filled in by the account-pages work.)
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("staff_accounts", __name__, url_prefix="/staf/pengguna")


@bp.get("/")
@login_required
def index():
    abort(501)


@bp.route("/undang", methods=["GET", "POST"])
@login_required
def invite():
    abort(501)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit(user_id: int):
    abort(501)


@bp.post("/<int:user_id>/aktif")
@login_required
def set_active(user_id: int):
    abort(501)


@bp.post("/<int:user_id>/keluar-semua")
@login_required
def sign_out_everywhere(user_id: int):
    abort(501)


@bp.post("/<int:user_id>/undang-lagi")
@login_required
def resend_invitation(user_id: int):
    abort(501)


@bp.post("/<int:user_id>/reset-dua-langkah")
@login_required
def reset_second_factor(user_id: int):
    abort(501)

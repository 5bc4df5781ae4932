"""Forgot password, and the pages behind the single-use links: accepting an invitation
(choosing a first password) and resetting a password. (Skeleton.)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("password_links", __name__, url_prefix="/staf")


@bp.route("/lupa-sandi", methods=["GET", "POST"])
def forgot():
    abort(501)


@bp.route("/undangan/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    abort(501)


@bp.route("/sandi-baru/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    abort(501)

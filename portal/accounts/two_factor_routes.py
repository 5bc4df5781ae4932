"""Two-factor sign-in: the code step after the password, and setting up or turning off the
authenticator app and the recovery codes. (Skeleton.)"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("two_factor", __name__, url_prefix="/staf")


@bp.route("/masuk/kode", methods=["GET", "POST"])
def second_step():
    abort(501)


@bp.route("/akun/dua-langkah", methods=["GET", "POST"])
def setup():
    abort(501)


@bp.post("/akun/dua-langkah/matikan")
@login_required
def turn_off():
    abort(501)


@bp.post("/akun/dua-langkah/kode-pemulihan")
@login_required
def renew_recovery_codes():
    abort(501)

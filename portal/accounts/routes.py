"""Staff sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required, login_user, logout_user

from forms.signin import LoginForm
from portal.accounts.models import User
from portal.accounts.services import SignInLocked, WrongCredentials, sign_in
from portal.extensions import db, login_manager

bp = Blueprint("accounts", __name__, url_prefix="/staf")

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Silakan masuk untuk membuka halaman staf.")
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or urlsplit(target).netloc
    ):
        return url_for("staff.queue")
    return target


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        try:
            # Behind a proxy this is the real client only with configure_proxy_fix.
            user = sign_in(form.email.data, form.password.data, request.remote_addr)
        except SignInLocked as locked:
            error = ngettext(
                "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, masuk ditutup "
                "sementara, juga dengan kata sandi yang benar. Coba lagi dalam %(num)d menit.",
                "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, masuk ditutup "
                "sementara, juga dengan kata sandi yang benar. Coba lagi dalam %(num)d menit.",
                locked.minutes_left,
            )
            status, headers = 429, {"Retry-After": str(locked.seconds_left)}
        except WrongCredentials:
            error, status = _("E-mail atau kata sandi salah, atau akun dinonaktifkan."), 401
        else:
            session.clear()
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("staff/login.html", form=form, error=error), status, headers


@bp.post("/keluar")
@login_required
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"))

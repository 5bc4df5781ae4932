"""Staff sign-in and sign-out, and the account page (own password, sign out everywhere)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from forms.account import ChangePasswordForm
from forms.signin import LoginForm
from portal.accounts import pending
from portal.accounts.models import User
from portal.accounts.services import (
    AccountError,
    PasswordRefused,
    SignInLocked,
    WrongCredentials,
    change_own_password,
    complete_sign_in,
    end_sessions,
    sign_in,
    user_for_session,
)
from portal.accounts.two_factor import must_enrol
from portal.audit import actions
from portal.audit.record import Actor, record_about_user
from portal.extensions import db, login_manager

bp = Blueprint("accounts", __name__, url_prefix="/staf")

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Silakan masuk untuk membuka halaman staf.")
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login keeps User.get_id(), "id:generation", in the session: a session from
    before the account's last sign-out, password change, disable/enable or "sign out
    everywhere" finds no account and is sent to sign in."""
    return user_for_session(user_id)


def _locked_message(locked: SignInLocked) -> str:
    return ngettext(
        "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, masuk ditutup "
        "sementara, juga dengan kata sandi yang benar. Coba lagi dalam %(num)d menit.",
        "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, masuk ditutup "
        "sementara, juga dengan kata sandi yang benar. Coba lagi dalam %(num)d menit.",
        locked.minutes_left,
    )


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
            error = _locked_message(locked)
            status, headers = 429, {"Retry-After": str(locked.seconds_left)}
        except WrongCredentials:
            error, status = _("E-mail atau kata sandi salah, atau akun dinonaktifkan."), 401
        else:
            target = _safe_next(request.args.get("next"))
            # Not signed in yet: the code step (or, for an admin who must have one, setting
            # up an authenticator) comes first; the session only holds a short-lived marker.
            if user.has_second_factor:
                pending.hold(user, target, enrol=False)
                return redirect(url_for("two_factor.second_step"))
            if must_enrol(user, current_app.config["REQUIRE_2FA_FOR_ADMINS"]):
                pending.hold(user, target, enrol=True)
                return redirect(url_for("two_factor.setup"))
            complete_sign_in(user, request.remote_addr)
            _start_session(user)
            return redirect(target)
    return render_template("staff/login.html", form=form, error=error), status, headers


def _start_session(user: User) -> None:
    """A fresh session for the account (and nothing else: a pending second step, a secret
    being set up and the old CSRF key all go)."""
    session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    login_user(user)


@bp.post("/keluar")
@login_required
def logout():
    """Sign out, and end every other session of the account with it: a session cookie is
    signed, not stored, so a copy taken before signing out can only be stopped by moving
    the account's generation on."""
    user = current_user._get_current_object()
    end_sessions(user)
    record_about_user(actions.SIGN_OUT, Actor.of(user, request.remote_addr), user)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"))


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def account():
    from portal.accounts import self_service
    from portal.accounts.preferences import render_account

    form = ChangePasswordForm()
    status, headers = 200, {}
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            user = current_user._get_current_object()
            try:
                change_own_password(
                    user, form.current_password.data, form.new_password.data, request.remote_addr
                )
            except SignInLocked as locked:
                form.current_password.errors.append(_locked_message(locked))
                status = 429
                headers = {"Retry-After": str(locked.seconds_left)}
            except PasswordRefused as refused:
                form.new_password.errors.append(refused.refusal.render(_))
            except AccountError:
                form.current_password.errors.append(_("Kata sandi sekarang salah."))
            else:
                self_service.password_changed(user, request.remote_addr)
                _start_session(user)  # this browser stays signed in, no other
                flash(_("Kata sandi diganti. Semua sesi lain di perangkat mana pun berakhir."))
                return redirect(url_for("accounts.account"))
    return render_account(password_form=form, status=status, headers=headers)


@bp.post("/akun/keluar-semua")
@login_required
def sign_out_everywhere():
    """End every session of this account, this one included (a phone left signed in)."""
    from portal.accounts import self_service

    self_service.signed_out_everywhere(current_user._get_current_object(), request.remote_addr)
    logout_user()
    session.clear()  # before the message: clearing would drop it
    flash(_("Anda telah keluar dari semua perangkat. Silakan masuk lagi."), "ok")
    return redirect(url_for("accounts.login"))

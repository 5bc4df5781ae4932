"""Two-factor sign-in: the code step after the password, and setting up or turning off the
authenticator app and the recovery codes.

The views are thin: the session markers are portal/accounts/pending.py, the rules and the
changes portal/accounts/two_factor.py. With REQUIRE_2FA_FOR_ADMINS on, an admin without a
second factor reaches no staff page but the setup page (`_admins_set_up_first`), whether
they just typed their password or were signed in before the setting was turned on.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from forms.two_factor import CodeForm, ConfirmForm, RenewCodesForm, TurnOffForm
from portal.accounts import pending, totp, two_factor
from portal.accounts.models import User
from portal.accounts.routes import _locked_message, _start_session
from portal.accounts.services import (
    AccountError,
    SignInLocked,
    complete_sign_in,
    confirm_own_password,
)
from portal.accounts.two_factor import AlreadyOn, CodeRefused, NotAllowed
from portal.extensions import login_manager
from portal.inline_qr import qr_svg

bp = Blueprint("two_factor", __name__, url_prefix="/staf")

# What an admin who must set up an authenticator first may still open: the setup page, the
# sign-in steps, signing out, and the stylesheet. Every other page under /staf/ sends them
# to the setup page.
OPEN_WHILE_ENROLLING = frozenset(
    {"static", "two_factor.setup", "two_factor.second_step", "accounts.login", "accounts.logout"}
)
OPEN_BLUEPRINTS_WHILE_ENROLLING = ("password_links.",)  # invitation, forgotten password


def _key() -> str:
    return current_app.config["SECRET_KEY"]


def _required() -> bool:
    return bool(current_app.config.get("REQUIRE_2FA_FOR_ADMINS"))


@bp.before_app_request
def _admins_set_up_first():
    """A signed-in admin without a second factor while it is required (a session from
    before the setting was turned on, or before an admin reset it) goes to the setup page
    from every staff page."""
    if not _required():
        return None
    endpoint = request.endpoint
    if (
        endpoint is None
        or endpoint in OPEN_WHILE_ENROLLING
        or endpoint.startswith(OPEN_BLUEPRINTS_WHILE_ENROLLING)
        or not request.path.startswith("/staf")
    ):
        return None
    if not current_user.is_authenticated or not two_factor.must_enrol(current_user, True):
        return None
    flash(_("Akun admin wajib memakai masuk dua langkah. Pasang aplikasi autentikator dulu."))
    return redirect(url_for("two_factor.setup"))


# --- the second step -------------------------------------------------------------------------


@bp.route("/masuk/kode", methods=["GET", "POST"])
def second_step():
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    waiting = pending.held(enrol=False)
    if waiting is None:
        if pending.held(enrol=True) is not None:  # an admin setting up an authenticator
            return redirect(url_for("two_factor.setup"))
        pending.drop()
        flash(_("Waktu masuk habis atau belum dimulai. Silakan masuk lagi."))
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    recovery_mode = request.args.get("pemulihan") == "1"
    if recovery_mode:
        form.code.label.text = _("Kode pemulihan")
    error, status, headers = None, 200, {}
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            user = waiting.user
            try:
                passed = two_factor.check_code(
                    user, form.code.data, key=_key(), address=request.remote_addr
                )
            except SignInLocked as locked:
                error = _locked_message(locked)
                status, headers = 429, {"Retry-After": str(locked.seconds_left)}
            except CodeRefused:
                error, status = _("Kode salah atau sudah pernah dipakai."), 401
            else:
                complete_sign_in(user, request.remote_addr)
                _start_session(user)
                if passed.by_recovery_code:
                    flash(_recovery_left_message(passed.recovery_codes_left))
                return redirect(waiting.next_url)
    page = render_template(
        "two_factor/second_step.html", form=form, error=error, recovery_mode=recovery_mode
    )
    return page, status, headers


def _recovery_left_message(left: int) -> str:
    if left == 0:
        return _(
            "Anda masuk dengan kode pemulihan terakhir. Buat kode pemulihan baru sekarang di "
            "halaman Masuk dua langkah, atau pasang aplikasi autentikator lagi."
        )
    return ngettext(
        "Anda masuk dengan kode pemulihan. Tersisa %(num)d kode pemulihan; setiap kode hanya "
        "bisa dipakai sekali.",
        "Anda masuk dengan kode pemulihan. Tersisa %(num)d kode pemulihan; setiap kode hanya "
        "bisa dipakai sekali.",
        left,
    )


# --- setting up, and what an account with a second factor can change ------------------------


@bp.route("/akun/dua-langkah", methods=["GET", "POST"])
def setup():
    """Signed in, or waiting to finish signing in by setting up an authenticator (an admin
    while REQUIRE_2FA_FOR_ADMINS is on). Anyone else is sent to sign in."""
    enrolling = None
    if current_user.is_authenticated:
        user: User = current_user._get_current_object()
    else:
        enrolling = pending.held(enrol=True)
        if enrolling is None:
            return login_manager.unauthorized()
        user = enrolling.user
    if user.has_second_factor:
        if request.method == "POST":
            return redirect(url_for("two_factor.setup"), code=303)
        return _manage_page(user)
    key = _key()
    sealed = pending.setup_secret(user, lambda: two_factor.new_pending_secret(key))
    secret = two_factor.open_secret(key, sealed)
    if secret is None:  # sealed under a key that has changed since: start afresh
        pending.drop_setup()
        sealed = pending.setup_secret(user, lambda: two_factor.new_pending_secret(key))
        secret = two_factor.open_secret(key, sealed)
    form = ConfirmForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            refused = _owner_refused(user, form, enrolling is None)
            if refused:
                status = refused
            else:
                try:
                    codes = two_factor.confirm_setup(
                        user, sealed, form.code.data, key=key, address=request.remote_addr
                    )
                except CodeRefused:
                    form.code.errors.append(
                        _(
                            "Kode tidak cocok. Periksa bahwa jam ponsel tepat, lalu masukkan kode "
                            "yang sedang tampil di aplikasi."
                        )
                    )
                except AlreadyOn:
                    return redirect(url_for("two_factor.setup"), code=303)
                else:
                    if enrolling is not None:
                        complete_sign_in(user, request.remote_addr)
                    _start_session(user)  # every other session of the account has ended
                    next_url = enrolling.next_url if enrolling else url_for("two_factor.setup")
                    return _codes_page(codes, next_url, first=True)
    uri = totp.provisioning_uri(secret, user.email)
    page = render_template(
        "two_factor/setup.html",
        form=form,
        enrolling=enrolling is not None,
        qr=qr_svg(uri, _("Kode QR untuk aplikasi autentikator")),
        secret=totp.grouped(secret),
        email=user.email,
    )
    return page, status


def _owner_refused(user: User, form: ConfirmForm, signed_in: bool) -> int | None:
    """A signed-in person types their password with the first code: None when it is right,
    else the status to answer (a wrong one counts as a failed sign-in). At sign-in (an admin
    enrolling) the password was just checked."""
    if not signed_in:
        return None
    try:
        confirm_own_password(user, form.current_password.data, request.remote_addr)
    except SignInLocked as locked:
        form.current_password.errors.append(_locked_message(locked))
        return 429
    except AccountError:
        form.current_password.errors.append(_("Kata sandi sekarang salah."))
        return 400
    return None


def _manage_page(
    user: User,
    *,
    turn_off_form: TurnOffForm | None = None,
    renew_form: RenewCodesForm | None = None,
    error: str | None = None,
    status: int = 200,
    headers: dict | None = None,
):
    page = render_template(
        "two_factor/manage.html",
        turn_off_form=turn_off_form or TurnOffForm(formdata=None),
        renew_form=renew_form or RenewCodesForm(formdata=None),
        may_turn_off=two_factor.may_turn_off(user, _required()),
        codes_left=two_factor.recovery_codes_left(user),
        confirmed_at=user.totp_confirmed_at,
        error=error,
    )
    return page, status, headers or {}


def _codes_page(codes: list[str], next_url: str, *, first: bool):
    """The recovery codes, shown this once (the database keeps only their hashes)."""
    return render_template("two_factor/codes.html", codes=codes, next_url=next_url, first=first)


@bp.post("/akun/dua-langkah/matikan")
@login_required
def turn_off():
    user: User = current_user._get_current_object()
    form = TurnOffForm()
    if not user.has_second_factor:
        return redirect(url_for("two_factor.setup"), code=303)
    if not form.validate_on_submit():
        return _manage_page(user, turn_off_form=form, status=400)
    try:
        two_factor.turn_off(
            user, form.proof.data, required=_required(), key=_key(), address=request.remote_addr
        )
    except NotAllowed:
        message = _("Akun admin wajib memakai masuk dua langkah; tidak bisa dimatikan.")
        return _manage_page(user, turn_off_form=form, error=message, status=403)
    except SignInLocked as locked:
        headers = {"Retry-After": str(locked.seconds_left)}
        form.proof.errors.append(_locked_message(locked))
        return _manage_page(user, turn_off_form=form, status=429, headers=headers)
    except CodeRefused:
        form.proof.errors.append(_("Kata sandi atau kode salah."))
        return _manage_page(user, turn_off_form=form, status=400)
    _start_session(user)  # every session ended with it; this browser stays signed in
    flash(_("Masuk dua langkah dimatikan. Kode pemulihan lama tidak berlaku lagi."))
    return redirect(url_for("two_factor.setup"), code=303)


@bp.post("/akun/dua-langkah/kode-pemulihan")
@login_required
def renew_recovery_codes():
    user: User = current_user._get_current_object()
    form = RenewCodesForm()
    if not user.has_second_factor:
        return redirect(url_for("two_factor.setup"), code=303)
    if not form.validate_on_submit():
        return _manage_page(user, renew_form=form, status=400)
    try:
        codes = two_factor.renew_recovery_codes(
            user, form.renew_code.data, key=_key(), address=request.remote_addr
        )
    except SignInLocked as locked:
        headers = {"Retry-After": str(locked.seconds_left)}
        form.renew_code.errors.append(_locked_message(locked))
        return _manage_page(user, renew_form=form, status=429, headers=headers)
    except CodeRefused:
        form.renew_code.errors.append(_("Kode salah atau sudah pernah dipakai."))
        return _manage_page(user, renew_form=form, status=400)
    return _codes_page(codes, url_for("two_factor.setup"), first=False)

"""Forgot password, and the pages behind the single-use links: accepting an invitation
(choosing a first password) and resetting a password.

The forgot page answers the same (a 303 to the same "we sent a link if…" page) whether
the address is an account, a disabled one, an unknown one, or one over its limit: what
the page says never tells who has an account. The link pages say plainly why a link does
not work (unknown 404; expired, used or replaced, disabled account 410) and what to do.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from forms.password_links import ForgotPasswordForm, SetPasswordForm
from portal.accounts import passwords, self_service, tokens
from portal.accounts.services import PasswordRefused
from portal.ratelimits.extension import limiter_of
from portal.ratelimits.private_link import inbox_of
from portal.ratelimits.reports import _hit_all

log = logging.getLogger(__name__)

bp = Blueprint("password_links", __name__, url_prefix="/staf")

# How long every accepted forgot-password request takes at least. Sending a link (a token,
# an outbox row, an audit entry, a commit) takes several times longer than finding no
# account, which a stopwatch would tell apart; with one floor for every answer it cannot.
ANSWER_SECONDS = 0.25

# HTTP status of a refused link, by TokenRefused.reason.
REFUSED_STATUS = {"unknown": 404, "expired": 410, "used": 410, "inactive": 410}


def _tag(email: str) -> str:
    """A short digest of the address typed: enough to see one address in the log again,
    not the address (typed by anyone, of anyone)."""
    return "email#" + hashlib.sha256(inbox_of(email.strip()).encode()).hexdigest()[:12]


def _over_email_limit(email: str) -> bool:
    """Count one request for this address as typed ("password_reset_per_email"), known
    or not, so the count says nothing about who has an account."""
    limiter = limiter_of(current_app)
    if limiter is None:
        return False
    key = f"email:{inbox_of(email.strip())}"
    return _hit_all(limiter, "password-reset", [("password_reset_per_email", key)]) is not None


@bp.route("/lupa-sandi", methods=["GET", "POST"])
def forgot():
    form = ForgotPasswordForm()
    if request.method == "GET" and request.args.get("terkirim"):
        return render_template("password_links/forgot_sent.html")
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            started = time.monotonic()
            email = form.email.data.strip()
            if _over_email_limit(email):
                log.info("password reset not sent: over the per-e-mail limit (%s)", _tag(email))
            else:
                minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
                self_service.request_reset(
                    email,
                    request.remote_addr,
                    secret_key=current_app.config["SECRET_KEY"],
                    valid_for=timedelta(minutes=minutes),
                )
            left = started + ANSWER_SECONDS - time.monotonic()
            if left > 0:
                time.sleep(left)
            return redirect(url_for("password_links.forgot", terkirim=1), code=303)
    return render_template("password_links/forgot.html", form=form), status


def _refused(reason: str, purpose: str):
    page = render_template("password_links/refused.html", reason=reason, purpose=purpose)
    return page, REFUSED_STATUS.get(reason, 404)


def _link_page(token: str, purpose: str):
    """GET: the form if the link is open; POST: the password set, or why not."""
    form = SetPasswordForm()
    try:
        user = self_service.check_link(token, purpose)
    except tokens.TokenRefused as refused:
        return _refused(refused.reason, purpose)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                self_service.set_password_by_link(
                    token, purpose, form.new_password.data, request.remote_addr
                )
            except PasswordRefused as refused:
                form.new_password.errors.append(refused.refusal.render(_))
            except tokens.TokenRefused as refused:  # the other of two submits won
                return _refused(refused.reason, purpose)
            else:
                if current_user.is_authenticated:
                    logout_user()
                flash(_("Kata sandi disimpan. Silakan masuk."), "ok")
                return redirect(url_for("accounts.login"), code=303)
    page = render_template(
        "password_links/set_password.html",
        form=form,
        purpose=purpose,
        email=user.email,
        min_password=passwords.MIN_LENGTH,
    )
    return page, status


@bp.route("/undangan/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _link_page(token, tokens.INVITE)


@bp.route("/sandi-baru/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _link_page(token, tokens.RESET)

"""The staff member's own settings on the account page: language and e-mail notices.

The language is kept on the account (its e-mails are written in it) and set as the
browser's language cookie at once, so the pages follow without another click."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from forms.preferences import PreferencesForm
from portal.accounts import notices, self_service
from portal.i18n import COOKIE

bp = Blueprint("preferences", __name__, url_prefix="/staf/akun")


def _form(role: str, **kwargs) -> PreferencesForm:
    """The form with the notice kinds this role receives, labels translated."""
    form = PreferencesForm(**kwargs)
    form.notices_on.choices = [
        SelectChoice(k, lazy_gettext(label)) for k, label in notices.kinds_for(role).items()
    ]
    return form


def _turned_off(form: PreferencesForm, user) -> list[str]:
    """The kinds ticked off on the form, plus those off before that the form did not offer
    (a kind of another role, kept for when the role changes)."""
    wanted = set(form.notices_on.data or [])
    offered = notices.kinds_for(user.role)
    before = notices.parse(user.notices_off)
    return [
        k
        for k in notices.KINDS
        if (k in offered and k not in wanted) or (k not in offered and k in before)
    ]


def form_for(user) -> PreferencesForm:
    """The form filled with what the account has now (for the account page)."""
    form = _form(user.role, formdata=None)
    form.locale.data = user.locale if user.locale in self_service.LOCALES else "id"
    off = notices.parse(user.notices_off)
    form.notices_on.data = [k for k in notices.kinds_for(user.role) if k not in off]
    return form


def render_account(password_form=None, preferences=None, status: int = 200, headers=None):
    """The account page (accounts.account) with its two forms: a refused one keeps what
    was typed and its errors."""
    from forms.account import ChangePasswordForm
    from portal.accounts import passwords

    page = render_template(
        "staff/account.html",
        form=password_form or ChangePasswordForm(formdata=None),
        preferences=preferences or form_for(current_user),
        min_password=passwords.MIN_LENGTH,
    )
    return page, status, headers or {}


@bp.post("/preferensi")
@login_required
def save():
    user = current_user._get_current_object()
    form = _form(user.role)
    if not form.validate_on_submit():
        return render_account(preferences=form, status=400)
    self_service.save_preferences(
        user, form.locale.data, _turned_off(form, user), request.remote_addr
    )
    with force_locale(form.locale.data):
        flash(_("Preferensi disimpan."))
    response = redirect(url_for("accounts.account"), code=303)
    response.set_cookie(
        COOKIE, form.locale.data, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
    )
    return response

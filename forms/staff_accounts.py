"""The account pages' forms (portal/accounts/admin_routes.py). Shapes only: which role,
region, agency and unit a manager may hand out is checked by portal.accounts.administration,
so a forged value is refused there (403), not hidden by a "not a valid choice"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class AccountFilterForm(FlaskForm):
    """The list's filters: a GET form, so a filtered list is a link."""

    class Meta:
        csrf = False

    q = SearchField(_l("Cari alamat e-mail"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Peran"), choices=[], default="", validate_choice=False)
    agency = SelectField(_l("Instansi"), choices=[], default="", validate_choice=False)
    unit = SelectField(_l("Unit"), choices=[], default="", validate_choice=False)
    state = SelectField(_l("Keadaan"), choices=[], default="", validate_choice=False)


class ScopeForm(FlaskForm):
    """Role and scope: the choices are filled by the view from what the manager reaches."""

    role = SelectField(_l("Peran"), choices=[], validate_choice=False)
    region = SelectField(
        _l("Wilayah (untuk admin wilayah dan pimpinan)"),
        choices=[],
        default="",
        validate_choice=False,
    )
    agency = SelectField(
        _l("Instansi (untuk petugas instansi dan petugas unit)"),
        choices=[],
        default="",
        validate_choice=False,
    )
    unit = SelectField(
        _l("Unit (untuk petugas unit)"), choices=[], default="", validate_choice=False
    )


class InviteForm(ScopeForm):
    email = EmailField(
        _l("Alamat e-mail"), validators=[DataRequired(_l("Tulis alamat e-mail.")), Length(max=254)]
    )
    locale = RadioField(
        _l("Bahasa undangan dan e-mail akun ini"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        default="id",
        validate_choice=False,
    )


class ActiveForm(FlaskForm):
    active = HiddenField()


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (sign out everywhere, resend, reset 2FA)."""

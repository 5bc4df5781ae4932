"""The forms of two-step sign-in: the code step, confirming a new authenticator, turning it
off and renewing the recovery codes. Each has one field; what it accepts is checked by
portal/accounts/two_factor.py, not here (a wrong code and a malformed one get one answer)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

# Longer than any code with its spaces and dashes; a longer value is refused as too long.
MAX_TYPED = 40


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class CodeForm(FlaskForm):
    """The second sign-in step: six digits from the app, or a recovery code."""

    code = StringField(
        _l("Kode"),
        filters=[_stripped],
        validators=[
            DataRequired(message=_l("Kode wajib diisi.")),
            Length(max=MAX_TYPED, message=_l("Kode terlalu panjang.")),
        ],
    )


class ConfirmForm(FlaskForm):
    """The first code the app shows, proving it holds the new secret; and, for someone
    already signed in, their password (a stolen session must not lock the owner out by
    putting its own phone on the account). Required or not is the view's decision: an admin
    setting up at sign-in has just typed it."""

    current_password = PasswordField(
        _l("Kata sandi Anda sekarang"),
        validators=[Length(max=1000, message=_l("Terlalu panjang."))],
    )

    code = StringField(
        _l("Kode 6 angka dari aplikasi"),
        filters=[_stripped],
        validators=[
            DataRequired(message=_l("Kode wajib diisi.")),
            Length(max=MAX_TYPED, message=_l("Kode terlalu panjang.")),
        ],
    )


class TurnOffForm(FlaskForm):
    proof = PasswordField(
        _l("Kata sandi Anda, atau kode 6 angka dari aplikasi"),
        validators=[
            DataRequired(message=_l("Kata sandi atau kode wajib diisi.")),
            Length(max=1000, message=_l("Terlalu panjang.")),
        ],
    )


class RenewCodesForm(FlaskForm):
    renew_code = StringField(
        _l("Kode 6 angka dari aplikasi"),
        filters=[_stripped],
        validators=[
            DataRequired(message=_l("Kode wajib diisi.")),
            Length(max=MAX_TYPED, message=_l("Kode terlalu panjang.")),
        ],
    )

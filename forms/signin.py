"""The staff sign-in form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email


class LoginForm(FlaskForm):
    # Our own messages: WTForms' defaults are English on an Indonesian page.
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(message=_l("E-mail wajib diisi.")),
            Email(message=_l("Alamat e-mail tidak valid.")),
        ],
    )
    password = PasswordField(
        _l("Kata sandi"), validators=[DataRequired(message=_l("Kata sandi wajib diisi."))]
    )

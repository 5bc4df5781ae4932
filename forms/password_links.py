"""The forms of the forgot-password page and of the pages behind the single-use links."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail akun staf"),
        validators=[
            DataRequired(message=_l("E-mail wajib diisi.")),
            Length(max=254, message=_l("Alamat e-mail tidak valid.")),
            Email(message=_l("Alamat e-mail tidak valid.")),
        ],
    )


class SetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("Kata sandi baru"), validators=[DataRequired(message=_l("Kata sandi wajib diisi."))]
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(message=_l("Kata sandi wajib diisi.")),
            EqualTo("new_password", message=_l("Kedua kata sandi baru tidak sama.")),
        ],
    )

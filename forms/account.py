"""The staff account page's form: changing one's own password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired()])
    new_password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("Kedua kata sandi baru tidak sama.")),
        ],
    )

"""The audit trail's filter form: a GET form (a filtered trail is a link to share), sent
again as hidden fields by the CSV button's POST. Shapes only: the view fills the choices
(the action groups, the regions within reach) and reads the values, dropping a bad one
with a message instead of failing the page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Length, Optional, ValidationError

PERSON_MIN, PERSON_MAX = 2, 254


def _printable(form, field) -> None:
    """No control character (PostgreSQL cannot even compare a NUL)."""
    if field.data and not field.data.isprintable():
        raise ValidationError(_l("Hanya huruf, angka dan tanda baca."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # GET; the export's POST is checked by the app-wide CSRFProtect

    group = SelectField(_l("Jenis tindakan"), name="jenis", choices=[], default="")
    person = SearchField(
        _l("Orang (sebagian alamat surel)"),
        name="orang",
        filters=[_strip],
        validators=[Optional(), Length(min=PERSON_MIN, max=PERSON_MAX), _printable],
    )
    start = DateField(_l("Dari tanggal"), name="from", validators=[Optional()])
    end = DateField(_l("Sampai tanggal"), name="to", validators=[Optional()])
    region = SelectField(_l("Wilayah"), name="daerah", choices=[], default="")

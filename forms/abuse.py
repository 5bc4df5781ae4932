"""The abuse list's forms. Shapes only; normalising and checking is portal.abuse's."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

KIND_CHOICES = [
    SelectChoice("phone", _l("Nomor telepon")),
    SelectChoice("email", _l("Alamat surel")),
    SelectChoice("address", _l("Alamat IP pengirim")),
]
ACTION_CHOICES = [
    SelectChoice("refuse", _l("Tolak: laporan tidak disimpan")),
    SelectChoice("quarantine", _l("Karantina: disimpan, ditahan sampai dilepas petugas")),
]


class AbuseEntryForm(FlaskForm):
    kind = SelectField(_l("Jenis"), choices=KIND_CHOICES, validate_choice=False)
    value = StringField(_l("Nomor / alamat"), validators=[Optional(), Length(max=300)])
    action = SelectField(_l("Tindakan"), choices=ACTION_CHOICES, validate_choice=False)
    note = TextAreaField(_l("Catatan (alasan)"), validators=[Optional()])


class AbuseRemoveForm(FlaskForm):
    note = StringField(_l("Alasan penghapusan (opsional)"), validators=[Optional()])

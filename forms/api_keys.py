"""The Open311 key page's forms. Shapes only; checking is portal.open311.keys'."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import Optional


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Nama aplikasi"), validators=[Optional()])
    contact = StringField(_l("Kontak tim aplikasi (surel, opsional)"), validators=[Optional()])
    # The super admin's choice; a regional admin's key is always their own region's.
    regions = SelectMultipleField(_l("Wilayah"), choices=[], validate_choice=False)
    all_regions = BooleanField(_l("Semua wilayah (termasuk wilayah yang ditambahkan nanti)"))


class ApiKeyRevokeForm(FlaskForm):
    confirm = BooleanField(
        _l("Ya, cabut kunci ini: aplikasi yang memakainya tidak dapat mengirim laporan lagi.")
    )

"""Forms staff and citizens use to act on a case. Shapes only; the rules are in portal.cases."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional


class CaseActionForm(FlaskForm):
    # The case version the page showed: acting on an older one is a conflict, not an overwrite.
    version = IntegerField(validators=[InputRequired()])
    text = TextAreaField(_l("Teks"), validators=[Optional()])
    target = StringField(_l("Disposisi ke"), validators=[Optional()])  # "agency/unit"
    supervised = BooleanField(_l("Perlu pengawasan (batas 60 hari kerja)"))
    duplicate_of = StringField(_l("Kode laporan asli"), validators=[Optional()])
    forward_to = StringField(_l("Teruskan ke"), validators=[Optional()])


class BulkSpamForm(FlaskForm):
    """The queue's "archive as spam" form; the ticked codes are read as a list by the view."""

    text = TextAreaField(_l("Alasan (tampil di riwayat laporan)"), validators=[Optional()])


class CitizenActionForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    t = HiddenField()  # the private link's token: without it a citizen cannot act
    text = TextAreaField(_l("Pesan"), validators=[Optional()])
    rating = IntegerField(_l("Nilai"), validators=[Optional()])


class TemplateForm(FlaskForm):
    agency_id = SelectField(_l("Instansi"), choices=[], validators=[InputRequired()])
    title = StringField(_l("Judul templat"), validators=[InputRequired(), Length(max=120)])
    body = TextAreaField(_l("Isi tanggapan"), validators=[InputRequired(), Length(max=5000)])

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
    assignee = IntegerField(_l("Petugas"), validators=[Optional()])  # assign: a user id


class BulkActionForm(FlaskForm):
    """The queue's action bar: one move for every ticked case (their codes are read as a
    list by the view). Every field is on the page at once, so it works without JavaScript;
    only the chosen move's fields are used."""

    action = StringField(_l("Tindakan"), validators=[Optional()])
    target = StringField(_l("Disposisi ke"), validators=[Optional()])  # "agency/unit"
    assignee = StringField(_l("Petugas"), validators=[Optional()])  # a user id, read by bulk
    duplicate_of = StringField(_l("Kode laporan asli"), validators=[Optional()])
    text = TextAreaField(_l("Catatan atau alasan"), validators=[Optional()])


class CitizenActionForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    t = HiddenField()  # the private link's token: without it a citizen cannot act
    text = TextAreaField(_l("Pesan"), validators=[Optional()])
    rating = IntegerField(_l("Nilai"), validators=[Optional()])


class TemplateForm(FlaskForm):
    agency_id = SelectField(_l("Instansi"), choices=[], validators=[InputRequired()])
    title = StringField(_l("Judul templat"), validators=[InputRequired(), Length(max=120)])
    body = TextAreaField(_l("Isi tanggapan"), validators=[InputRequired(), Length(max=5000)])

"""The citizen's report form. Validation of shapes only; routing and storage live elsewhere."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

MAX_PHOTOS = 3
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")


class ComplaintForm(FlaskForm):
    submission_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    classification = RadioField(
        _l("Jenis laporan"),
        choices=[
            SelectChoice("complaint", _l("Pengaduan")),
            SelectChoice("aspiration", _l("Aspirasi")),
            SelectChoice("information", _l("Permintaan Informasi")),
        ],
        default="complaint",
        validators=[DataRequired(message=_l("Pilih jenis laporan."))],
    )
    category = SelectField(_l("Kategori (opsional)"), choices=[], validators=[Optional()])
    title = StringField(
        _l("Judul laporan"),
        validators=[
            DataRequired(message=_l("Judul wajib diisi.")),
            Length(min=5, max=150, message=_l("Judul harus 5 sampai 150 karakter.")),
        ],
    )
    description = TextAreaField(
        _l("Isi laporan"),
        validators=[
            DataRequired(message=_l("Isi laporan wajib diisi.")),
            Length(min=20, max=5000, message=_l("Isi laporan harus 20 sampai 5000 karakter.")),
        ],
    )
    incident_date = DateField(_l("Tanggal kejadian (opsional)"), validators=[Optional()])
    location = StringField(
        _l("Lokasi rinci (opsional)"),
        validators=[Optional(), Length(max=200, message=_l("Paling banyak 200 karakter."))],
    )
    photos = MultipleFileField(_l("Foto (opsional, paling banyak 3)"))
    anonymous = BooleanField(_l("Anonim: sembunyikan identitas saya dari unit yang dilaporkan"))
    confidential = BooleanField(_l("Rahasia: sembunyikan seluruh laporan dari publik"))
    reporter_name = StringField(
        _l("Nama"),
        validators=[Optional(), Length(max=120, message=_l("Paling banyak 120 karakter."))],
    )
    reporter_phone = StringField(_l("Nomor HP/WhatsApp"), validators=[Optional()])
    reporter_email = StringField(
        _l("E-mail"),
        validators=[Optional(), Email(message=_l("Alamat e-mail tidak valid.")), Length(max=254)],
    )
    consent = BooleanField(
        _l(
            "Saya menyatakan laporan ini benar dan setuju data saya diproses untuk "
            "menindaklanjutinya."
        ),
        validators=[DataRequired(message=_l("Centang persetujuan untuk mengirim laporan."))],
    )

    def set_categories(self, categories: list[tuple[str, str]]) -> None:
        self.category.choices = [
            SelectChoice("", _l("— Pilih kategori —")),
            *(SelectChoice(value, label) for value, label in categories),
        ]

    def validate_incident_date(self, field: DateField) -> None:
        if field.data and field.data > date.today():
            raise ValidationError(_l("Tanggal kejadian tidak boleh di masa depan."))

    def validate_reporter_phone(self, field: StringField) -> None:
        if field.data and not PHONE_PATTERN.match(field.data.strip()):
            raise ValidationError(_l("Nomor HP tidak valid (contoh: 0812 3456 7890)."))

    def validate_photos(self, field: MultipleFileField) -> None:
        if len(self.chosen_photos()) > MAX_PHOTOS:
            raise ValidationError(_l("Paling banyak 3 foto."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.anonymous.data:
            if not (self.reporter_name.data or "").strip():
                self.reporter_name.errors.append(
                    _l("Nama wajib diisi, kecuali Anda memilih Anonim.")
                )
                ok = False
            if not (self.reporter_phone.data or self.reporter_email.data):
                self.reporter_phone.errors.append(
                    _l("Isi nomor HP atau e-mail agar petugas dapat menghubungi Anda.")
                )
                ok = False
        return ok

    def chosen_photos(self) -> list:
        """The file inputs that actually carry a file (browsers send empty ones too)."""
        return [f for f in (self.photos.data or []) if getattr(f, "filename", "")]

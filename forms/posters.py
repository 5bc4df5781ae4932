"""The "Cetak Poster" form: size and file format. The ticked services are read by the view,
because an out-of-scope service must answer 403, not a form error."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired

SIZE_CHOICES = [
    SelectChoice("a4", _l("A4 (21 × 29,7 cm): poster dinding")),
    SelectChoice("a5", _l("A5 (14,8 × 21 cm): poster di loket")),
    SelectChoice("a6-tent", _l("Tenda meja A6: dicetak di kertas A5, lalu dilipat dua")),
    SelectChoice("sticker", _l("Stiker 10 × 10 cm")),
]
FORMAT_CHOICES = [
    SelectChoice("pdf", _l("PDF: satu halaman per poster, siap cetak")),
    SelectChoice("zip", _l("ZIP: satu berkas PNG per poster")),
    SelectChoice("png", _l("PNG: hanya untuk satu layanan")),
]


class PosterForm(FlaskForm):
    size = RadioField(
        _l("Ukuran"),
        choices=SIZE_CHOICES,
        default="a4",
        validate_choice=False,
        validators=[
            InputRequired(message=_l("Pilih ukuran poster.")),
            AnyOf([c.value for c in SIZE_CHOICES], message=_l("Ukuran poster tidak dikenal.")),
        ],
    )
    format = RadioField(
        _l("Format berkas"),
        choices=FORMAT_CHOICES,
        default="pdf",
        validate_choice=False,
        validators=[
            InputRequired(message=_l("Pilih format berkas.")),
            AnyOf([c.value for c in FORMAT_CHOICES], message=_l("Format berkas tidak dikenal.")),
        ],
    )

"""The counter form: the citizen's report form, filled in by a clerk for a walk-in or a caller.

It is the citizen form (the same fields, the same `NewReport.problems()` under each field)
plus what only the clerk chooses: the service point (from the clerk's reach), how the
citizen came (at the counter or by phone) and the citizen's language. No honeypot: the
page is behind sign-in.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from forms.complaint import ComplaintForm

LANGUAGES = (("id", "Bahasa Indonesia"), ("en", "English"))


class CounterForm(ComplaintForm):
    # Choices are set by the view from the clerk's reach; a value outside them is refused.
    service_point = SelectField(_l("Titik layanan"), choices=[], validate_choice=False)
    channel = RadioField(_l("Pelapor datang"), choices=[], default="", validate_choice=False)
    language = RadioField(
        _l("Bahasa pelapor (tanda terima dan struk)"),
        choices=[SelectChoice(value, label) for value, label in LANGUAGES],
        default="id",
        validate_choice=False,
    )
    website = None  # no honeypot behind sign-in
    # The clerk fills these in for the citizen: worded about the reporter, not "saya/Anda".
    anonymous = BooleanField(_l("Anonim: sembunyikan identitas pelapor dari unit yang dilaporkan"))
    notify_via = RadioField(
        _l("Beri tahu pelapor lewat"), choices=[], default="", validate_choice=False
    )
    consent = BooleanField(
        _l(
            "Pelapor menyatakan laporannya benar dan setuju datanya diproses untuk "
            "menindaklanjutinya."
        ),
        validators=[DataRequired(message=_l("Centang persetujuan pelapor untuk mengirim."))],
    )

    def set_service_points(self, points: list[tuple[str, str]]) -> None:
        """(value "agency/unit/service", label) pairs the clerk may file for."""
        self.service_point.choices = [
            SelectChoice("", _l("— Pilih titik layanan —")),
            *(SelectChoice(value, label) for value, label in points),
        ]

    def set_channels(self, channels: list[tuple[str, str]]) -> None:
        self.channel.choices = [SelectChoice(value, label) for value, label in channels]
        if not self.channel.data and channels:
            self.channel.data = channels[0][0]

    def chosen_language(self) -> str:
        value = self.language.data or "id"
        return value if value in dict(LANGUAGES) else "id"

    def trap_filled(self) -> bool:
        return False

"""The citizen's report form: widgets, labels and the web-only checks (consent, CSRF).

The rules of a valid report are not here: `validate()` asks the same `NewReport.problems()`
every other channel asks, and puts each problem under its field.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
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
from wtforms.validators import DataRequired, Optional

from portal.complaints.labels import CLASSIFICATION_LABELS
from portal.intake.report import NewReport, Problem
from portal.messaging.choice import EMAIL, SMS, WHATSAPP, default_notify_via


class ComplaintForm(FlaskForm):
    submission_key = HiddenField()
    classification = RadioField(
        _l("Jenis laporan"),
        choices=[SelectChoice(value, label) for value, label in CLASSIFICATION_LABELS.items()],
        default="complaint",
        validate_choice=False,  # the intake rules say what a valid kind is
    )
    category = SelectField(_l("Kategori (opsional)"), choices=[], validate_choice=False)
    title = StringField(_l("Judul laporan"))
    description = TextAreaField(_l("Isi laporan"))
    incident_date = DateField(_l("Tanggal kejadian (opsional)"), validators=[Optional()])
    location = StringField(_l("Lokasi rinci (opsional)"))
    photos = MultipleFileField(_l("Foto (opsional, paling banyak 3)"))
    anonymous = BooleanField(_l("Anonim: sembunyikan identitas saya dari unit yang dilaporkan"))
    confidential = BooleanField(_l("Rahasia: sembunyikan seluruh laporan dari publik"))
    reporter_name = StringField(_l("Nama"))
    reporter_phone = StringField(_l("Nomor HP/WhatsApp"))
    reporter_email = StringField(_l("E-mail"))
    # How to be told of progress; "" (the first choice) lets the portal pick from what was
    # filled in (portal/messaging/choice.py). WhatsApp and SMS only where the region has them.
    notify_via = RadioField(
        _l("Beri tahu saya lewat"), choices=[], default="", validate_choice=False
    )
    # The honeypot: hidden from sight by the stylesheet (class "hp"), labelled "leave empty"
    # for screen readers, skipped by the keyboard. People leave it empty; form-filling
    # scripts fill every text box. Works without JavaScript.
    website = StringField(_l("Jangan isi kolom ini (biarkan kosong)"))
    consent = BooleanField(
        _l(
            "Saya menyatakan laporan ini benar dan setuju data saya diproses untuk "
            "menindaklanjutinya."
        ),
        validators=[DataRequired(message=_l("Centang persetujuan untuk mengirim laporan."))],
    )

    # Set by the view before validating: the routing file's categories, the region's date
    # and which phone media the region has on.
    category_ids: frozenset[str] = frozenset()
    today: date | None = None
    region_whatsapp: bool = False
    region_sms: bool = False

    def set_notify_options(self, *, whatsapp: bool, sms: bool) -> None:
        """Offer WhatsApp and SMS only where the form's region sends them."""
        self.region_whatsapp, self.region_sms = whatsapp, sms
        phone = WHATSAPP if whatsapp else SMS
        auto = (
            _l("Otomatis (e-mail bila diisi, selain itu WhatsApp)")
            if phone == WHATSAPP
            else _l("Otomatis (e-mail bila diisi, selain itu SMS)")
        )
        choices = [SelectChoice("", auto), SelectChoice(EMAIL, _l("E-mail"))]
        if whatsapp:
            choices.append(SelectChoice(WHATSAPP, "WhatsApp"))
        if sms:
            choices.append(SelectChoice(SMS, "SMS"))
        self.notify_via.choices = choices

    def offers_phone(self) -> bool:
        return self.region_whatsapp or self.region_sms

    def chosen_notify_via(self) -> str | None:
        """What the citizen picked, or the default from what they filled in."""
        chosen = (self.notify_via.data or "").strip()
        if chosen:
            return chosen
        return default_notify_via(
            email=bool((self.reporter_email.data or "").strip()),
            phone=bool((self.reporter_phone.data or "").strip()),
            region_whatsapp=self.region_whatsapp,
            region_sms=self.region_sms,
        )

    def set_categories(self, categories: list[tuple[str, str]]) -> None:
        self.category_ids = frozenset(value for value, _label in categories)
        self.category.choices = [
            SelectChoice("", _l("— Pilih kategori —")),
            *(SelectChoice(value, label) for value, label in categories),
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        problems = self.report("id").problems(
            today=self.today or date.today(),
            categories=self.category_ids,
            photo_count=len(self.chosen_photos()),
        )
        offered = {c.value for c in self.notify_via.choices} or {EMAIL}
        if (self.notify_via.data or "") not in offered | {""}:  # a medium the region has off
            problems.setdefault("notify_via", Problem("Pilih cara pemberitahuan."))
        self.show_problems(problems)
        return ok and not problems

    def show_problems(self, problems: dict[str, Problem]) -> None:
        """Put each problem under its field, for the page to show next to it."""
        for name, problem in problems.items():
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.append(problem.render(_))
            else:
                field.errors = [*field.errors, problem.render(_)]

    def report(self, locale: str) -> NewReport:
        """The typed values as the channel-neutral report (blanks stripped, empties None)."""

        def clean(value: str | None) -> str | None:
            return (value or "").strip() or None

        return NewReport(
            submission_key=self.submission_key.data or "",
            classification=self.classification.data or "",
            category=self.category.data or None,
            title=(self.title.data or "").strip(),
            description=(self.description.data or "").strip(),
            incident_date=self.incident_date.data,
            location=clean(self.location.data),
            reporter_name=clean(self.reporter_name.data),
            reporter_phone=clean(self.reporter_phone.data),
            reporter_email=clean(self.reporter_email.data),
            anonymous=bool(self.anonymous.data),
            confidential=bool(self.confidential.data),
            locale=locale,
            notify_via=self.chosen_notify_via(),
        )

    def trap_filled(self) -> bool:
        """True when the honeypot was filled: a script, not a person."""
        return bool((self.website.data or "").strip())

    def chosen_photos(self) -> list:
        """The file inputs that actually carry a file (browsers send empty ones too)."""
        return [f for f in (self.photos.data or []) if getattr(f, "filename", "")]

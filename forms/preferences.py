"""The account page's preferences: the language of the staff member's pages and e-mails,
and which e-mail notices they get (the view fills in the kinds: portal/accounts/notices.py)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferencesForm(FlaskForm):
    locale = RadioField(
        _l("Bahasa halaman dan e-mail"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        validate_choice=True,
    )
    # The checked kinds are the notices the person GETS; the column keeps those turned off.
    notices_on = CheckboxesField(_l("E-mail pemberitahuan yang saya terima"), choices=[])

"""The citizen's ways to keep the private link: open it by code + PIN, have it sent."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField


class PinForm(FlaskForm):
    """/lacak: the tracking code and the PIN printed beside it. Checked by the view, which
    answers every wrong pair the same way."""

    kode_laporan = StringField(_l("Kode pelacakan"))  # not "kode": /lacak has that search box
    pin = StringField(_l("PIN"))


class SendLinkForm(FlaskForm):
    """The private page's "Kirim tautan ini ke saya"; `t` carries the token like the
    conversation's forms do."""

    t = HiddenField()
    via = StringField()  # email | whatsapp | sms (radio buttons)
    to = StringField(_l("Alamat e-mail atau nomor HP"))

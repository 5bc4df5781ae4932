"""What upload.js needs to know on the report form, from the server's own limits.

The script checks and shrinks photos on the phone before sending; every number and message
it uses is rendered into the form's data- attributes here, so a limit is set once (config
PHOTO_MAX_BYTES, portal.intake.report.MAX_PHOTOS) and said in the reader's language.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from portal.intake import report as rules

LONG_SIDE = 1600  # px: the phone shrinks photos to this long side before sending
NAME = "{name}"  # filled in by the script with the photo's file name


def max_megabytes() -> int:
    """PHOTO_MAX_BYTES in whole MB, as the form's hint and messages state it."""
    return max(1, current_app.config["PHOTO_MAX_BYTES"] // 2**20)


def form_attributes() -> dict[str, str]:
    """The data- attributes of the report form that upload.js reads."""
    mb = max_megabytes()
    return {
        "data-photo-max-bytes": str(current_app.config["PHOTO_MAX_BYTES"]),
        "data-photo-max-count": str(rules.MAX_PHOTOS),
        "data-photo-long-side": str(LONG_SIDE),
        "data-msg-too-large": _(
            "%(name)s terlalu besar (maksimal %(mb)s MB). Kirim foto yang lebih kecil, "
            "misalnya dengan memilih ukuran sedang saat berbagi.",
            name=NAME,
            mb=mb,
        ),
        "data-msg-not-image": _(
            "%(name)s bukan berkas gambar yang dapat dibaca. Pilih foto JPEG, PNG, WebP atau HEIC.",
            name=NAME,
        ),
        "data-msg-too-many": _("Paling banyak %(max)s foto.", max=rules.MAX_PHOTOS),
        "data-msg-preparing": _("Menyiapkan foto…"),
        "data-msg-sending": _("Mengirim laporan… %(percent)s%%", percent="{percent}"),
        "data-msg-failed": _(
            "Laporan belum terkirim: sambungan terputus. Isian Anda masih ada di formulir ini; "
            "periksa sambungan, lalu tekan Kirim laporan lagi."
        ),
    }

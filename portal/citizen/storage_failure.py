"""When the photo store refuses a photo (a full, read-only or over-quota folder; an S3
server that is down, refuses the credentials or has no such bucket).

Trying again cannot help until an operator frees or fixes the folder, so the citizen gets
the form back with everything typed (HTTP 503) and a second button that sends the same
text without the photos. Nothing was stored, so the same form key files it; had the first
attempt stored a report, the same key and text would get its receipt, never a second case.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from portal.complaints.storage import StorageFailure
from portal.photo_store import photo_store

WITHOUT_PHOTOS = "tanpa_foto"  # the name of the "send without photo" button
RETRY_AFTER = "600"  # seconds; a full disk is not fixed in a moment


def wants_without_photos() -> bool:
    """Did the citizen press "Kirim tanpa foto"? Then any chosen photo is ignored."""
    return request.form.get(WITHOUT_PHOTOS) == "1"


def log_storage_failure(exc: StorageFailure) -> None:
    """One line for the operator: which store and why; nothing the citizen typed."""
    current_app.logger.error(
        "photo not stored, report not filed: %s refused a write (%s: %s); "
        "the citizen was offered to send without the photo",
        photo_store().describe(),
        exc.errno_name,
        exc.detail,
    )


def storage_notice() -> str:
    return _(
        "Foto tidak dapat disimpan saat ini, jadi laporan Anda belum terkirim. Isian Anda "
        "masih ada di bawah. Anda dapat mengirimnya sekarang tanpa foto dengan tombol "
        "\u201cKirim tanpa foto\u201d, atau mencoba lagi dengan foto nanti."
    )

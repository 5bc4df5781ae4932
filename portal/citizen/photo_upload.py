"""Turn the form's file inputs into checked photos, or explain on the form what is wrong."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from forms.complaint import ComplaintForm
from portal.complaints.photos import PhotoRejected, ProcessedPhoto, process_photo


def _message(reason: str, filename: str, max_mb: int) -> str:
    messages = {
        "too-large": _("%(name)s terlalu besar (maksimal %(mb)s MB).", name=filename, mb=max_mb),
        "too-many-pixels": _("%(name)s beresolusi terlalu besar.", name=filename),
        "unsupported-format": _("%(name)s bukan foto JPEG, PNG atau WebP.", name=filename),
    }
    return messages.get(reason, _("%(name)s bukan berkas gambar yang dapat dibaca.", name=filename))


def process_uploads(form: ComplaintForm) -> list[ProcessedPhoto] | None:
    """None when any photo is refused: then nothing is stored and the form says why."""
    max_bytes = current_app.config["PHOTO_MAX_BYTES"]
    photos, ok = [], True
    for upload in form.chosen_photos():
        raw = upload.stream.read(max_bytes + 1)
        try:
            photos.append(
                process_photo(
                    raw, max_bytes=max_bytes, max_pixels=current_app.config["PHOTO_MAX_PIXELS"]
                )
            )
        except PhotoRejected as exc:
            name = (upload.filename or "foto")[:60]
            form.photos.errors = [
                *form.photos.errors,
                _message(exc.reason, name, max_bytes // 2**20),
            ]
            ok = False
    return photos if ok else None

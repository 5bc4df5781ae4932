"""One answer for a case's photo, wherever it is shown (the staff case page and the
citizen's private page check who may see it; this only sends it)."""

from __future__ import annotations

from flask import Response, current_app, send_file

from portal.cases.missing_photo import missing_photo
from portal.complaints.models import Photo
from portal.complaints.previews import preview_jpeg
from portal.complaints.storage import blob_path

PREVIEW_ARG = ("ukuran", "kecil")  # ?ukuran=kecil: the small picture for a page of thumbnails


def photo_response(stored: Photo, small: bool = False):
    """The stored file (or its preview with `small`), never cached by the browser."""
    path = blob_path(current_app.config["UPLOAD_FOLDER"], stored.storage_key)
    if not path.is_file():
        return missing_photo(stored.id, path)
    if small:
        response = Response(preview_jpeg(path), mimetype="image/jpeg")
    else:
        response = send_file(path, mimetype=stored.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def wants_preview(args) -> bool:
    name, value = PREVIEW_ARG
    return args.get(name) == value

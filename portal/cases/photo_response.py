"""One answer for a case's photo, wherever it is shown (the staff case page and the
citizen's private page check who may see it; this only sends it).

The bytes come from the photo store (a local file or an S3 object, at most
PHOTO_MAX_BYTES), so the answer is the same for both: the photo or its preview, never
cached by the browser, a 404 picture for a photo the store lacks and a 503 picture while
the store does not answer.
"""

from __future__ import annotations

import io

from flask import Response, send_file

from portal.cases.missing_photo import missing_photo, unreachable_photo
from portal.complaints.models import Photo
from portal.complaints.previews import preview_jpeg
from portal.photo_store import PhotoMissing, StorageFailure, photo_store

PREVIEW_ARG = ("ukuran", "kecil")  # ?ukuran=kecil: the small picture for a page of thumbnails


def photo_response(stored: Photo, small: bool = False):
    """The stored photo (or its preview with `small`), never cached by the browser."""
    store = photo_store()
    try:
        data = store.read(stored.storage_key)
    except PhotoMissing as exc:
        return missing_photo(stored.id, exc.where)
    except StorageFailure as exc:
        return unreachable_photo(stored.id, store.describe(), exc)
    if small:
        response = Response(preview_jpeg(data), mimetype="image/jpeg")
    else:
        response = send_file(
            io.BytesIO(data),
            mimetype=stored.content_type,
            max_age=0,
            etag=stored.storage_key,  # a key never gets other bytes
        )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def wants_preview(args) -> bool:
    name, value = PREVIEW_ARG
    return args.get(name) == value

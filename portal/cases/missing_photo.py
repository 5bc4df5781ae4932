"""A case's photo the store cannot give (its file is gone, or the store does not answer).

A file is gone when a database was restored without its uploads: staff get a 404 with a
small picture saying so, in place of the thumbnail and when the link is opened, instead
of a 500; the operator gets one log line naming the file. An S3 server that is down gets
the same kind of picture with a 503, and a log line naming the store.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from portal.photo_store import StorageFailure

_HEADERS = {"Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "private, no-store"}


def missing_photo(photo_id: int, where: object):
    current_app.logger.warning(
        "photo %d: file %s is missing (uploads not restored with the database?)", photo_id, where
    )
    page = render_template(
        "staff/photo_missing.svg",
        title=_("Foto tidak tersedia"),
        detail=_("Berkasnya tidak ada di server (404)."),
    )
    return page, 404, _HEADERS


def unreachable_photo(photo_id: int, store: str, exc: StorageFailure):
    current_app.logger.warning("photo %d: %s does not answer (%s)", photo_id, store, exc)
    page = render_template(
        "staff/photo_missing.svg",
        title=_("Foto sementara tidak tersedia"),
        detail=_("Penyimpanan foto tidak menjawab (503)."),
    )
    return page, 503, {**_HEADERS, "Retry-After": "30"}

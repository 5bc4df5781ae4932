"""A case's photo whose file is gone (a database restored without its uploads folder).

Staff get a 404 with a small picture saying so, in place of the thumbnail and when the
link is opened, instead of a 500; the operator gets one log line naming the file.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _


def missing_photo(photo_id: int, path: Path):
    current_app.logger.warning(
        "photo %d: file %s is missing (uploads not restored with the database?)", photo_id, path
    )
    page = render_template(
        "staff/photo_missing.svg",
        title=_("Foto tidak tersedia"),
        detail=_("Berkasnya tidak ada di server (404)."),
    )
    headers = {"Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "private, no-store"}
    return page, 404, headers

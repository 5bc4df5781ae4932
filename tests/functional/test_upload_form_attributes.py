"""The report form tells upload.js the server's photo limits and messages (data- attributes)
in the reader's language, and states the size limit for phones without JavaScript."""

from __future__ import annotations

import html
import re

from portal.citizen.routes import BLANK_FORMS
from portal.intake.report import MAX_PHOTOS


def _form_tag(page: str) -> str:
    match = re.search(r"<form method=\"post\" enctype=\"multipart/form-data\"[^>]*>", page)
    assert match, "no report form"
    return html.unescape(match.group(0))


def test_the_form_carries_the_limits_and_loads_upload_js(client, ulin_payload, app):
    page = client.get(f"/q/{ulin_payload}").get_data(as_text=True)
    tag = _form_tag(page)
    mb = app.config["PHOTO_MAX_BYTES"] // 2**20
    assert f'data-photo-max-bytes="{app.config["PHOTO_MAX_BYTES"]}"' in tag
    assert f'data-photo-max-count="{MAX_PHOTOS}"' in tag
    assert 'data-photo-long-side="1600"' in tag
    assert f"{{name}} terlalu besar (maksimal {mb} MB)" in tag
    assert "Mengirim laporan… {percent}%" in tag
    assert re.search(r'<script src="/static/upload\.js\?v=[0-9a-f]{12}" defer></script>', page)
    assert f"paling besar {mb} MB per foto" in page
    assert '<progress max="100" value="0" aria-label="Kemajuan pengiriman">' in page


def test_limits_follow_the_config_and_the_language(client, ulin_payload, app):
    before = app.config["PHOTO_MAX_BYTES"]
    app.config["PHOTO_MAX_BYTES"] = 3 * 2**20
    BLANK_FORMS.clear()
    try:
        client.get("/bahasa/en")
        page = client.get(f"/q/{ulin_payload}").get_data(as_text=True)
    finally:
        app.config["PHOTO_MAX_BYTES"] = before
        BLANK_FORMS.clear()
    tag = _form_tag(page)
    assert f'data-photo-max-bytes="{3 * 2**20}"' in tag
    assert "{name} is too large (at most 3 MB)" in tag
    assert "Sending the report… {percent}%" in tag
    assert "the connection was lost" in tag
    assert "at most 3 MB per photo" in page

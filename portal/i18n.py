"""Bahasa Indonesia first, English second.

The locale is the visitor's explicit choice (a cookie set by the language link), else
Indonesian. We deliberately ignore Accept-Language: many Indonesian phones are set to
English, and their owners still expect a government portal in Bahasa Indonesia.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import get_locale

from portal.extensions import babel

COOKIE = "lang"
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    choice = request.cookies.get(COOKIE, "")
    return choice if choice in current_app.config["LANGUAGES"] else "id"


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["local_time"] = local_time

    @app.context_processor
    def language_links() -> dict:
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}


@bp.get("/bahasa/<lang>")
def switch_language(lang: str):
    """Set the language and go back where the visitor was, on this site only."""
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


# Indonesians name their three zones, not UTC offsets.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def local_time(value: datetime, timezone: str, fmt: str = "medium") -> str:
    """A timestamp in the region's own clock, e.g. '22 Nov 2026 15.04.05 WITA'."""
    zone = ZoneInfo(timezone)
    text = format_datetime(value, fmt, tzinfo=zone, locale=str(get_locale()))
    return f"{text} {ZONE_NAMES.get(timezone, timezone)}"

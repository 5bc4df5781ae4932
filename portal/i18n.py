"""Bahasa Indonesia first, English second.

The locale is the visitor's explicit choice (a cookie set by the language link), else a
signed-in staff member's saved language (their account page), else Indonesian. We
deliberately ignore Accept-Language: many Indonesian phones are set to English, and their
owners still expect a government portal in Bahasa Indonesia.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import get_locale

from portal.clocks.zones import on_clock, zone_label
from portal.extensions import babel

log = logging.getLogger(__name__)

COOKIE = "lang"
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    choice = request.cookies.get(COOKIE, "")
    if choice in languages:
        return choice
    saved = _staff_locale()
    return saved if saved in languages else "id"


def _staff_locale() -> str | None:
    """The saved language of the signed-in staff account, if the request has one loaded
    (no account is looked up for a visitor without a session cookie)."""
    from flask_login import current_user

    try:
        if current_user and current_user.is_authenticated:
            return current_user.locale
    except Exception:  # the database is down (the outage page still needs a language)
        log.warning("saved language not read: account not loaded", exc_info=True)
        return None
    return None


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["zone_label"] = zone_label
    app.jinja_env.globals["region_zone"] = region_zone

    @app.context_processor
    def language_links() -> dict:
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "language_next": without_token(request.full_path) if request else "/",
        }


def without_token(full_path: str) -> str:
    """The current path and query for a language link's `next=`, without the private token.

    A link (`/bahasa/en?next=…`) ends up in access logs and browser histories; the private
    link's token must not. The private case page switches language with a POST instead
    (templates/base.html), which carries the whole path in the request body.
    """
    parts = urlsplit(full_path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "t"]
    return parts.path + ("?" + urlencode(query) if query else "")


@bp.route("/bahasa/<lang>", methods=["GET", "POST"])
def switch_language(lang: str):
    """Set the language and go back where the visitor was, on this site only.

    POST (from the private case page, with its CSRF token like every form) takes `next` from
    the form body, so the token never appears in a URL.
    """
    source = request.form if request.method == "POST" else request.args
    target = source.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target, code=303 if request.method == "POST" else 302)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def local_time(value: datetime, timezone: str, fmt: str = "medium") -> str:
    """A timestamp in the region's own clock, e.g. '22 Nov 2026 15.04.05 WITA'.

    Every time on a staff page goes through here (portal/clocks/zones.py names the zone).
    """
    moment = on_clock(value, timezone)
    text = format_datetime(moment, fmt, tzinfo=ZoneInfo(timezone), locale=str(get_locale()))
    return f"{text} {zone_label(timezone)}"


def region_zone(region_id: str | None) -> str:
    """The region's IANA zone from the active routing file (templates: `region_zone(id)`)."""
    from portal.routing.active import get_router

    return get_router().timezone_for(region_id or "")

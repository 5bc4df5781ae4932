"""The routing version the running app uses.

Loaded and validated once at start-up; an invalid file stops the app before it serves a
single request, so a broken edit can never replace a working organisation chart.
"""

from __future__ import annotations

from flask import Flask, current_app

from portal.routing.loader import Router, load_router

EXTENSION_KEY = "aduan.router"


def configure_routing(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = load_router(app.config["ROUTING_FILE"])


def get_router() -> Router:
    return current_app.extensions[EXTENSION_KEY]

"""The 503 page: "sedang gangguan, coba lagi sebentar" while the database is away.

Every request that needs the database raises one of DATABASE_DOWN when it is unreachable
(refused, timed out, dropped, restarting) or when this process has no routing yet. Instead
of a 500 the visitor gets HTTP 503 with `Retry-After`; a citizen's report POST gets the
form back with everything typed (photos must be attached again), so nothing typed is lost.
The session is rolled back and removed, so the next request, after the database is back,
starts clean; the engine's pool_pre_ping (portal/config.py) replaces dead connections.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from portal.extensions import db
from portal.machine_errors import machine_answer
from portal.routing.active import RoutingUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30  # a database restart takes seconds; a failover, about a minute
DATABASE_DOWN: tuple[type[Exception], ...] = (
    OperationalError,  # refused, timed out, "the database system is shutting down", …
    InterfaceError,  # a connection already closed
    DisconnectionError,
    PoolTimeout,  # every pooled connection busy (stuck on a hung database)
    RoutingUnavailable,
)
# What the fallback page sends back as it came; title and description are shown to edit.
KEPT_FIELDS = (
    "submission_key",
    "classification",
    "category",
    "incident_date",
    "location",
    "anonymous",
    "confidential",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "notify_via",
    "consent",
)


def register_outage_page(app: Flask) -> None:
    for error in DATABASE_DOWN:
        app.register_error_handler(error, outage_page)


def outage_page(exc: Exception):
    _discard_session()
    # Templates get `current_user` (Flask-Login's context processor), which would ask the
    # database for the signed-in account again: this page is shown as to a visitor.
    g._login_user = current_app.login_manager.anonymous_user()
    log.warning(
        "database unavailable, answered 503 (%s %s): %s: %s",
        request.method,
        request.path,
        exc.__class__.__name__,
        str(exc).splitlines()[0][:200] if str(exc) else "",
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    answer = machine_answer(503, headers)
    if answer is not None:
        return answer
    title = _("Sedang gangguan")
    message = _(
        "Sistem kami sedang gangguan, coba lagi sebentar. Tidak ada yang berubah; "
        "muat ulang halaman ini dalam beberapa saat."
    )
    from portal.citizen.outage_form import is_report_post, typed_report_page

    if not is_report_post():
        return render_template("errors/outage.html", title=title, message=message), 503, headers
    notice = _(
        "Sistem kami sedang gangguan, coba lagi sebentar. Laporan Anda belum terkirim, "
        "tetapi isiannya masih ada di bawah: kirim lagi dalam beberapa saat."
    )
    if _photos_chosen():
        notice += " " + _("Foto tidak ikut tersimpan; lampirkan lagi saat mengirim ulang.")
    try:
        page = typed_report_page(notice)
    except Exception as again:  # no routing yet: the plain page below
        log.info("report form not rebuilt during the outage: %s", again.__class__.__name__)
        page = None
    if page is None:
        page = render_template(
            "errors/outage.html",
            title=title,
            message=notice,
            typed=_typed(),
            csrf=generate_csrf(),
        )
    return page, 503, headers


def _discard_session() -> None:
    """Roll back whatever the request did and drop its connection from the session."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; remove() still cleans up
        log.debug("rollback after a database error failed", exc_info=True)
    db.session.remove()


def _photos_chosen() -> bool:
    return any(getattr(f, "filename", "") for f in request.files.getlist("photos"))


def _typed() -> dict:
    form = request.form
    return {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "hidden": [(name, value) for name in KEPT_FIELDS for value in form.getlist(name)],
    }

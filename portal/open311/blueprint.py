"""The blueprint every Open311 view hangs on: `/open311/v2/…`, answers in the format the
URL's suffix asks for, errors in GeoReport's error format (never an HTML page)."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _

from portal.open311.formats import Open311Error, error_response, format_of

PREFIX = "/open311/v2"
bp = Blueprint("open311", __name__, url_prefix=PREFIX)


def requested_format() -> str | None:
    """`json` / `xml` from the view's `fmt` argument or the path's suffix, else None."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt is None and "." in request.path.rsplit("/", 1)[-1]:
        fmt = request.path.rsplit(".", 1)[-1]
    return format_of(fmt)


def wanted_format(fmt: str) -> str:
    """The format a view was asked for, or a 404 in XML for an unknown suffix."""
    found = format_of(fmt)
    if found is None:
        raise Open311Error(404, (404, _("format tidak didukung: pakai .json atau .xml")))
    return found


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error):
    return error_response(requested_format(), error)

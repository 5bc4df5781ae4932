"""The portal's own errors (no such URL, wrong method, too large, rate limit, failure,
database down) answered in GeoReport's error format under /open311/, where a client
program reads the answer, instead of the HTML pages people get everywhere else.

`register_open311_errors` hooks `georeport_error` into portal/machine_errors.py, which the
app-level handlers (portal/errors.py, the 429 of portal/ratelimits/extension.py, the 503
of portal/availability/outage.py) ask first.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.machine_errors import register
from portal.open311.blueprint import PREFIX, requested_format
from portal.open311.formats import Open311Error, error_response
from portal.open311.params import wanted_locale


def register_open311_errors(app: Flask) -> None:
    register(app, PREFIX, georeport_error)


def _descriptions() -> dict[int, str]:
    return {
        403: _("akses ditolak"),
        404: _("alamat ini tidak ada di API Open311"),
        405: _("metode HTTP ini tidak didukung untuk alamat ini"),
        413: _("kiriman terlalu besar"),
        429: _("terlalu banyak permintaan; coba lagi setelah Retry-After detik"),
        500: _("terjadi kesalahan di sisi kami; tidak ada yang tersimpan, coba lagi"),
        503: _("sistem sedang gangguan; tidak ada yang berubah, coba lagi sebentar"),
    }


def georeport_error(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """The error list for `status`, in the URL's format (XML when it names none)."""
    with force_locale(wanted_locale(request.args)):
        description = _descriptions()[status]
    response = error_response(requested_format(), Open311Error(status, (status, description)))
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response

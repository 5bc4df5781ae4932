"""The report form given back, filled, when the database failed under a report's POST.

Used by the 503 page (portal/availability/outage.py). It needs the routing, which a
process that was running before the outage still holds; a process that started during the
outage has none and the 503 page shows the typed text on its own instead.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from forms.complaint import ComplaintForm
from portal.citizen.routes import _form_page
from portal.clocks.deadlines import local_date
from portal.ratelimits.reports import forgive_unstored
from portal.routing.active import get_router
from portal.routing.model import category_choices
from portal.timeutil import utcnow
from qr.payload import decode

REPORT_ENDPOINTS = frozenset(
    {"citizen.from_qr", "citizen.from_short_code", "citizen.other_service"}
)


def is_report_post() -> bool:
    return request.method == "POST" and request.endpoint in REPORT_ENDPOINTS


def typed_report_page(notice: str) -> str | None:
    """The form page of this POST's service point with everything typed (photos must be
    chosen again, as after any refusal), or None when the service point is not known."""
    router = get_router()  # no routing yet: raises, and the caller falls back
    args = request.view_args or {}
    if request.endpoint == "citizen.from_qr":
        ref = decode(args["payload"], current_app.config["QR_SIGNING_KEYS"])
        point = router.find_service_point(ref.agency, ref.unit, ref.service)
    elif request.endpoint == "citizen.other_service":
        point = router.other_point(args["agency_id"])
    else:
        point = router.by_short_code(args["code"])
    if point is None:
        return None
    form = ComplaintForm()
    forgive_unstored(point.ids, form.title.data or "", form.description.data or "")
    form.set_categories(category_choices(router.categories, str(get_locale())))
    form.today = local_date(utcnow(), point.region.timezone)
    # The same one-time key: if the report was stored after all (the connection broke
    # during the commit), sending again gets that report's receipt, not a second report.
    return _form_page(point, generate_csrf(), form.submission_key.data or "", form, notice)

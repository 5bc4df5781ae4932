"""POST /open311/v2/requests.(json|xml): a client application files a report.

No session and no CSRF token: the API key in the form is the client's credential. The
view only reads the request and writes the answer; `portal.open311.filing` decides.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import force_locale

from portal.extensions import csrf
from portal.open311.blueprint import bp, wanted_format
from portal.open311.filing import FilingRefused, FilingSettings, file_request
from portal.open311.formats import error_response, items_response
from portal.open311.media_fetch import MediaLimits
from portal.open311.params import wanted_locale
from portal.photo_store import photo_store
from portal.routing.active import get_router


def _settings() -> FilingSettings:
    config = current_app.config
    return FilingSettings(
        secret=config["SECRET_KEY"],
        store=photo_store(),
        media=MediaLimits(
            max_bytes=config["PHOTO_MAX_BYTES"],
            max_pixels=config["PHOTO_MAX_PIXELS"],
            timeout=float(config["OPEN311_MEDIA_TIMEOUT"]),
            allowed_networks=tuple(config["OPEN311_MEDIA_ALLOWED_NETWORKS"]),
        ),
    )


@bp.post("/requests.<fmt>")
@csrf.exempt
def post_request(fmt: str):
    form = request.form.to_dict(flat=True)
    repeated = tuple(name for name, values in request.form.lists() if len(values) > 1)
    # `locale` in the form, as the spec has it, or in the URL, as the GETs take it.
    locale = wanted_locale(form if "locale" in form else request.args)
    with force_locale(locale):
        fmt = wanted_format(fmt)
        try:
            filed = file_request(
                form,
                idempotency_key=request.headers.get("Idempotency-Key"),
                repeated=repeated,
                remote_addr=request.remote_addr,
                locale=locale,
                router=get_router(),
                settings=_settings(),
            )
        except FilingRefused as refused:
            response = error_response(fmt, refused)
            if refused.retry_after is not None:
                response.headers["Retry-After"] = str(refused.retry_after)
            return response
        item = {
            "service_request_id": filed.service_request_id,
            "token": filed.token,
            "service_notice": filed.service_notice,
            "account_id": None,
        }
        return items_response(fmt, "service_requests", "request", [item], filed.status)

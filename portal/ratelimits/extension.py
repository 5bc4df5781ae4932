"""Flask-Limiter on the public doors: tracking look-ups, short codes, the picker's search,
conversation, sign-in, the Open311 API's reads.

The limits are attached here, by endpoint name, after the blueprints are registered, so
every limit of the portal is in one place and the views stay as they were. The report form
is the exception: its limits need the service point and the typed text, and a refusal must
give the citizen their form back, so the view asks `portal.ratelimits.reports`.

Storage: RATELIMIT_STORAGE_URI, memory:// (one process) or Redis (every process and host
shares one count). When Redis cannot be reached the limits fall back to counting in each
process's memory, and the portal keeps answering: a public service that stops taking
reports because its rate limiter is down would do the flood's work for it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.wrappers import Response

from portal.machine_errors import machine_answer
from portal.ratelimits.keys import browser_key, client_address, give_browser_id
from portal.ratelimits.settings import is_memory

log = logging.getLogger(__name__)

EXTENSION = "ratelimits"
STRATEGY = "moving-window"  # exact counts over the last period, no burst at window edges

# Endpoints whose pages hand out the browser-id cookie (citizen pages that lead to a limit).
BROWSER_ID_ENDPOINTS = frozenset(
    {
        "citizen.index",
        "citizen.pick",
        "citizen.from_qr",
        "citizen.from_short_code",
        "citizen.short_code_entry",
        "citizen.track",
        "citizen.track_case",
        "citizen.search",
        "citizen.other_service",
    }
)
LOOKUP_ENDPOINTS = (
    "citizen.track",
    "citizen.track_case",
    "citizen.short_code_entry",
    "citizen.from_short_code",
    "citizen.other_service",
)

# HEAD too: a GET route answers HEAD alike (200 or 404), so an uncounted HEAD would be a
# free look-up (guessing tracking codes or tokens past the limits).
READS = ["GET", "HEAD"]

# Every GET of the Open311 API is limited per address; its POST has its own limit per key.
OPEN311_PREFIX = "open311."
OPEN311_UNLIMITED_HERE = frozenset({"open311.post_request"})

WEBHOOK_ENDPOINTS = ("chat.whatsapp_verify", "chat.whatsapp_inbound", "chat.sms_inbound")


def limiter_of(app: Flask) -> Limiter | None:
    """The app's limiter, or None when RATELIMIT_ENABLED is off."""
    return app.extensions.get(EXTENSION)


def init_ratelimits(app: Flask) -> None:
    """Attach the limits and the 429 page (call after the blueprints are registered)."""
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    if not app.config["RATELIMIT_ENABLED"]:
        return
    if app.config["APP_ENV"] == "production" and is_memory(app.config["RATELIMIT_STORAGE_URI"]):
        log.warning(
            "RATELIMIT_STORAGE_URI is memory://: each process counts on its own, so with "
            "several gunicorn workers or hosts every limit is that many times looser; set a "
            "Redis URL (redis://host:6379/0)"
        )
    limiter = Limiter(
        key_func=client_address,
        strategy=STRATEGY,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    give_browser_id(app, BROWSER_ID_ENDPOINTS)
    _attach(app, limiter)


def _spec(name: str) -> Callable[[], str]:
    """The configured limit, read per request from the app that serves it."""

    def spec() -> str:
        return "; ".join(str(item) for item in current_app.config["RATELIMITS"][name])

    return spec


def _is_miss(response: Response) -> bool:
    return response.status_code in (400, 404)


def _is_refused_token(response: Response) -> bool:
    return response.status_code == 401


def _case_key() -> str:
    return "case:" + str((request.view_args or {}).get("code", "")).upper()[:32]


def _attach(app: Flask, limiter: Limiter) -> None:
    misses = limiter.shared_limit(
        _spec("lookup_misses"),
        scope="misses",
        key_func=browser_key,
        deduct_when=_is_miss,
        methods=READS,  # a report form sent back with errors (400) is no look-up miss
    )
    wrap: dict[str, list] = {endpoint: [] for endpoint in LOOKUP_ENDPOINTS}
    for endpoint in LOOKUP_ENDPOINTS:
        wrap[endpoint] += [
            limiter.limit(_spec("lookup_per_address"), methods=READS),
            misses,
        ]
    wrap["citizen.search"] = [limiter.limit(_spec("search_per_address"), methods=["GET"])]
    wrap["conversation.act"] = [
        limiter.limit(_spec("conversation_per_address")),
        limiter.limit(_spec("conversation_per_case"), key_func=_case_key),
    ]
    # The private link's aids (portal/citizen/private_link.py); their tight counts (per
    # tracking code, per case, per recipient) are asked by the views.
    wrap["private_link.open_with_pin"] = [limiter.limit(_spec("pin_per_address"))]
    wrap["private_link.send_link"] = [limiter.limit(_spec("conversation_per_address"))]
    wrap["private_link.photo"] = [limiter.limit(_spec("lookup_per_address"), methods=READS)]
    # One count per address for the whole API, whichever of its GETs a client reads.
    open311_reads = limiter.shared_limit(
        _spec("open311_read_per_address"), scope="open311_read", methods=["GET"]
    )
    for endpoint in app.view_functions:
        if endpoint.startswith(OPEN311_PREFIX) and endpoint not in OPEN311_UNLIMITED_HERE:
            wrap[endpoint] = [open311_reads]
    # Sign-in, both steps, shares one count per address (a code guesser is a sign-in one).
    signin = limiter.shared_limit(_spec("signin_per_address"), scope="signin", methods=["POST"])
    wrap["accounts.login"] = [signin]
    wrap["two_factor.second_step"] = [signin]
    wrap["password_links.forgot"] = [
        limiter.limit(_spec("password_reset_per_address"), methods=["POST"])
    ]
    for endpoint in ("password_links.accept_invitation", "password_links.reset_password"):
        wrap[endpoint] = [
            limiter.limit(_spec("account_link_per_address"), methods=[*READS, "POST"])
        ]
    # /metrics: a scrape with the right token never counts; a wrong one (a 401) counts
    # against the sign-in limit, since guessing the token is guessing a password.
    if "metrics.metrics" in app.view_functions:
        wrap["metrics.metrics"] = [
            limiter.limit(_spec("signin_per_address"), deduct_when=_is_refused_token)
        ]
    # The provider webhooks: every request comes from Meta's or the SMS gateway's few
    # addresses, so a per-address limit would throttle all citizens at once (and Meta
    # backs off a webhook that answers 429). Their limit is per phone number, in
    # portal/chat/service.py (CHAT_FLOOD_LIMIT).
    for endpoint in WEBHOOK_ENDPOINTS:
        if endpoint in app.view_functions:
            limiter.exempt(app.view_functions[endpoint])
    for endpoint, limits in wrap.items():
        view = app.view_functions[endpoint]
        for limit in limits:
            view = limit(view)
        app.view_functions[endpoint] = view


def retry_after_seconds(reset_at: float) -> int:
    """Whole seconds until the limit lets the next request through (at least 1)."""
    return max(1, math.ceil(reset_at - time.time()))


def _too_many_requests(exc: RateLimitExceeded):
    limiter = limiter_of(current_app)
    current = limiter.current_limit if limiter is not None else None
    seconds = retry_after_seconds(current.reset_at) if current is not None else 60
    answer = machine_answer(429, {"Retry-After": str(seconds)})
    if answer is not None:
        return answer
    minutes = max(1, math.ceil(seconds / 60))
    page = render_template(
        "errors/error.html",
        title=_("Terlalu banyak permintaan"),
        message=ngettext(
            "Terlalu banyak permintaan dari perangkat atau jaringan Anda dalam waktu singkat. "
            "Tidak ada yang berubah. Silakan coba lagi dalam %(num)d menit.",
            "Terlalu banyak permintaan dari perangkat atau jaringan Anda dalam waktu singkat. "
            "Tidak ada yang berubah. Silakan coba lagi dalam %(num)d menit.",
            minutes,
        ),
    )
    return page, 429, {"Retry-After": str(seconds)}

"""May this report be filed now? The limits of the report form, asked by the view.

Asked after the form is valid and before the photos are decoded, so a refused flood costs
neither the photo work nor a database write, and the citizen gets the form back filled.

Each count is a hit (count-and-check in one step, so parallel requests cannot all slip
through between a check and a count), tight keys first: the same text at this service
point, then the browser, then the address, then the service point. The first refusal stops
the round, so a flood of one text spends almost nothing of the generous budgets that a
waiting room behind the same address, at the same counter, shares.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

from portal.ratelimits.extension import limiter_of, retry_after_seconds
from portal.ratelimits.keys import browser_key, client_address, service_point_key, text_fingerprint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Not now: which limit said so, and how long to wait."""

    limit: str
    retry_after: int  # seconds

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def _same_text_key(ids: tuple[str, str, str], title: str, description: str) -> str:
    point = service_point_key(ids)
    return f"text:{point}:{text_fingerprint(title or '', description or '')}"


def check_report(
    ids: tuple[str, str, str], title: str, description: str, *, per_client: bool = True
) -> Refusal | None:
    """Count this report against every limit; a Refusal if one of them is spent.

    `per_client=False` (the Open311 API) leaves out the browser and address counts: a
    client application files for many citizens from one server, and has its own limit
    per API key (`check_key`); the same text and the service point still count.
    """
    limiter = limiter_of(current_app)
    if limiter is None:
        return None
    point = service_point_key(ids)
    keys = [("report_same_text", _same_text_key(ids, title, description))]
    if per_client:
        keys += [
            ("report_per_session", browser_key()),
            ("report_per_address", f"ip:{client_address()}"),
        ]
    keys.append(("report_per_service_point", point))
    return _hit_all(limiter, "report", keys)


def check_key(api_key_id: int) -> Refusal | None:
    """Count one Open311 POST against its API key's limit ("open311_post_per_key")."""
    limiter = limiter_of(current_app)
    if limiter is None:
        return None
    return _hit_all(limiter, "open311", [("open311_post_per_key", f"key:{api_key_id}")])


def check_keyless(address: str | None) -> Refusal | None:
    """Count one Open311 POST without a valid key against its address's Open311 budget
    ("open311_read_per_address", counted apart from the reads): a stranger's flood of
    keyless POSTs is refused before each one writes its record."""
    limiter = limiter_of(current_app)
    if limiter is None:
        return None
    key = f"ip:{address or '-'}"
    return _hit_all(limiter, "open311-keyless", [("open311_read_per_address", key)])


def _hit_all(limiter, scope: str, keys: list[tuple[str, str]]) -> Refusal | None:
    limits = current_app.config["RATELIMITS"]
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    try:
        strategy = limiter.limiter
        for name, key in keys:
            for item in limits[name]:
                if not strategy.hit(item, prefix, scope, name, key):
                    stats = strategy.get_window_stats(item, prefix, scope, name, key)
                    log.info("%s refused by %s (%s)", scope, name, item)
                    return Refusal(name, retry_after_seconds(stats.reset_time))
    except Exception:  # the storage is down: take the report (see extension.py)
        log.exception("rate-limit storage unreachable; report accepted without a count")
    return None


def forgive_refused_photos(ids: tuple[str, str, str], title: str, description: str) -> None:
    """Forget the same-text count of a report sent back for its photos (too big, not an image).

    The citizen sends the same text again with another photo: without this the third try
    (2 an hour) is refused for an hour, although nothing was ever filed. Only the same-text
    key is cleared; the browser, address and service-point counts go on counting, so a
    script that sends bad photos still meets the browser limit.
    """
    limiter = limiter_of(current_app)
    if limiter is None:
        return
    limits = current_app.config["RATELIMITS"]
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    key = _same_text_key(ids, title, description)
    try:
        for item in limits["report_same_text"]:
            limiter.limiter.clear(item, prefix, "report", "report_same_text", key)
    except Exception:  # the storage is down: nothing was counted there either
        log.warning("rate-limit storage unreachable; same-text count not reset")


def forgive_unstored(ids: tuple[str, str, str], title: str, description: str) -> None:
    """Forget the tight counts of a report the database could not store (the 503 page).

    A citizen who sends the same report again during an outage is no flood; without this
    the third try (same text, 2 an hour) or the sixth (one browser, 5 in 10 minutes), maybe
    the first after the database is back, would be refused. Clearing forgets the key's
    earlier hits too, which costs nothing while nothing can be stored; the generous
    per-address and per-service-point counts go on counting.
    """
    limiter = limiter_of(current_app)
    if limiter is None:
        return
    limits = current_app.config["RATELIMITS"]
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    keys = (
        ("report_same_text", _same_text_key(ids, title, description)),
        ("report_per_session", browser_key()),
    )
    try:
        for name, key in keys:
            for item in limits[name]:
                limiter.limiter.clear(item, prefix, "report", name, key)
    except Exception:  # the storage is down: nothing was counted there either
        log.warning("rate-limit storage unreachable; report counts not reset")

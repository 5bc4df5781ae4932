"""The limits the private-link views ask for themselves: PIN tries per tracking code, and
"send this link to me" per case and per recipient.

Counted as hits (count-and-check in one step) like the report form's limits. A PIN try is
counted under the code as typed and normalised, whether or not such a case exists, so a
refusal says nothing about the code; the per-address count is attached to the route
(extension.py). Every try counts, right or wrong: a citizen types their PIN once or twice.
"""

from __future__ import annotations

from flask import current_app

from portal.ratelimits.extension import limiter_of
from portal.ratelimits.reports import Refusal, _hit_all


def check_pin_try(tracking_code: str) -> Refusal | None:
    """Count one PIN try for this code ("pin_per_code")."""
    if limiter_of(current_app) is None:
        return None
    return _hit_all(limiter_of(current_app), "pin", [("pin_per_code", f"code:{tracking_code}")])


def inbox_of(recipient: str) -> str:
    """The inbox an address reaches: budi+1@…, Budi+x@… and budi@… are one recipient, or a
    sender could flood one inbox past its limit with tags (numbers are already canonical)."""
    local, at, domain = recipient.lower().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0] or local}@{domain}"


def check_link_send(complaint_id: int, recipient: str) -> Refusal | None:
    """Count one "send this link" for the recipient (a canonical address or number), then
    for the case: a repeat to one inbox is refused before it spends the case's budget."""
    limiter = limiter_of(current_app)
    if limiter is None:
        return None
    keys = [
        ("send_link_per_recipient", f"to:{inbox_of(recipient)}"),
        ("send_link_per_case", f"case:{complaint_id}"),
    ]
    return _hit_all(limiter, "send-link", keys)

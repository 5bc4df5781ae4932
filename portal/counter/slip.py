"""The clerk's printed receipt slip: what it says, and who may print the private link.

The private link's token is not stored (only its hash), but it is derived from the case's
submission digest and SECRET_KEY (portal.complaints.access), as the e-mail and WhatsApp
renderers build it. So the slip needs no token kept in a cookie or a session: it is built
again when printed. Who may print it is held tight instead, because the link lets its
holder act as the citizen (answer, rate, reopen): only the clerk who filed the report, and
only for SLIP_WINDOW after filing (a jammed printer, a second copy). After that the slip
prints without the QR code; the citizen has the link in their receipt message.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import segno

from portal.complaints.access import private_link_of
from portal.complaints.channels import COUNTER, PHONE
from portal.complaints.models import Complaint

SLIP_WINDOW = timedelta(minutes=30)
COUNTER_CHANNELS = (COUNTER, PHONE)


def filed_by(complaint: Complaint) -> int | None:
    """The staff account recorded on the first event (the clerk), or None."""
    first = next((e for e in complaint.events if e.kind == "submitted"), None)
    return first.actor_user_id if first is not None else None


def is_counter_case(complaint: Complaint) -> bool:
    return complaint.channel in COUNTER_CHANNELS


def may_print_link(user_id: int, complaint: Complaint, now: datetime) -> bool:
    """The filing clerk, within the window after filing."""
    return (
        is_counter_case(complaint)
        and filed_by(complaint) == user_id
        and now - complaint.submitted_at <= SLIP_WINDOW
    )


def slip_link(base_url: str, secret: str, complaint: Complaint) -> str:
    return private_link_of(base_url, secret, complaint.tracking_code, complaint.submission_digest)


def qr_png(link: str) -> bytes:
    """The private link as a PNG QR code, big enough for a 58/80 mm receipt printer."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=5, border=4)
    return out.getvalue()

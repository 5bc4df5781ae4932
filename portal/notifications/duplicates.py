"""The citizens of a case's duplicates hear of its responses.

A report archived as a duplicate (`reject_duplicate`) is not worked on: its citizen waits
on the original. So each public response on the original reaches every duplicate's
citizen, through the same outbox as every notice, by that duplicate's own medium
(notify_via) and in its own language. A Rahasia original is never named: not its code, not
its response. A duplicate without any contact (Anonim, nothing given) gets nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.complaints.models import Complaint, Event
from portal.complaints.status import ARCHIVED
from portal.extensions import db
from portal.messaging.choice import EMAIL, SMS, WHATSAPP
from portal.messaging.outbox import add_phone_message
from portal.notifications.messages import citizen_medium
from portal.notifications.outbox import add_message

TEMPLATE = "duplicate_progress"  # the e-mail template and the phone message's kind
PROGRESS_EVENTS = ("respond",)


def notify_duplicates(original: Complaint, event: Event) -> None:
    """One notice per archived duplicate of `original` for a response on it."""
    if event.kind not in PROGRESS_EVENTS or not event.public or original.id is None:
        return
    stmt = (
        select(Complaint)
        .where(Complaint.duplicate_of_id == original.id, Complaint.status == ARCHIVED)
        .order_by(Complaint.id)
    )
    for copy in db.session.execute(stmt).scalars():
        notify_copy(copy, original, event)


def notify_copy(copy: Complaint, original: Complaint, event: Event) -> None:
    medium = citizen_medium(copy)
    shown = not original.confidential
    context = {
        "tracking_code": copy.tracking_code,
        "original_code": original.tracking_code if shown else None,
        "note": event.note if shown else None,
    }
    where = {
        "locale": copy.locale or "id",
        "complaint": copy,
        "complaint_id": copy.id,
        "region_id": copy.region_id,
    }
    if medium == EMAIL and copy.reporter_email:
        add_message(TEMPLATE, copy.reporter_email, {**context, "title": copy.title}, **where)
    elif medium in (WHATSAPP, SMS) and copy.reporter_msisdn:
        phone_context = {
            **context,
            "title": None if copy.confidential else copy.title,
            "confidential": bool(copy.confidential),
        }
        add_phone_message(medium, copy.reporter_msisdn, TEMPLATE, context=phone_context, **where)

"""Every message the portal sent (or is sending) to the citizen about one case, whatever
the channel: the e-mail outbox's citizen notices and the phone outbox's WhatsApp and SMS
rows, oldest first, each with what it was and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.cases.message_state import DeliveryState, delivery_state, reason_for
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.notifications.models import OutboxMessage
from portal.notifications.render import CITIZEN_TEMPLATES
from portal.phone_numbers import masked

EMAIL = "email"


@dataclass(frozen=True)
class CitizenMessage:
    row_id: int
    channel: str  # email | whatsapp | sms
    kind: str  # receipt, verified, on_hold, responded, closed, chat (e-mail: its template)
    at: datetime
    state: DeliveryState
    reason: str | None  # as this reader may see it
    recipient: str  # as this reader may see it ("" or masked for an Anonim report)


def citizen_messages(complaint: Complaint, may_see_reporter: bool) -> list[CitizenMessage]:
    """The case's messages to its reporter, for a reader who may or may not see who that is
    (an officer of an Anonim report sees neither the number nor the address, not even
    inside a provider's error text)."""
    emails = db.session.execute(
        select(OutboxMessage)
        .where(
            OutboxMessage.complaint_id == complaint.id,
            OutboxMessage.template.in_(sorted(CITIZEN_TEMPLATES)),
        )
        .order_by(OutboxMessage.id)
    ).scalars()
    phones = db.session.execute(
        select(PhoneMessage)
        .where(PhoneMessage.complaint_id == complaint.id)
        .order_by(PhoneMessage.id)
    ).scalars()
    found: list[CitizenMessage] = []
    for row in emails:
        state = delivery_state(row.status, last_error=row.last_error, attempts=row.attempts)
        found.append(
            CitizenMessage(
                row.id,
                EMAIL,
                row.template,
                row.created_at,
                state,
                reason_for(state.reason, row.recipient, may_see_reporter),
                row.recipient if may_see_reporter else "",
            )
        )
    for row in phones:
        state = delivery_state(
            row.status,
            last_error=row.last_error,
            attempts=row.attempts,
            delivery_status=row.delivery_status,
            delivery_error=row.delivery_error,
        )
        found.append(
            CitizenMessage(
                row.id,
                row.medium,
                row.kind,
                row.created_at,
                state,
                reason_for(state.reason, row.recipient, may_see_reporter),
                row.recipient if may_see_reporter else masked(row.recipient),
            )
        )
    return sorted(found, key=lambda m: (m.at, m.channel, m.row_id))

"""What the provider says later about a message it accepted (WhatsApp status webhooks:
sent, delivered, read, failed), kept on the outbox row for the staff case page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.timeutil import utcnow

# A later state never goes back to an earlier one (webhooks arrive out of order).
RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def record_status(
    medium: str, remote_ref: str, status: str, error: str | None = None, at: datetime | None = None
) -> int:
    """Note a delivery report on the row the provider accepted as `remote_ref`; returns the
    rows changed (0 for an unknown reference or an older report). No commit."""
    if status not in RANK:
        return 0
    lower = [s for s, r in RANK.items() if r < RANK[status]]
    stmt = (
        update(PhoneMessage)
        .where(
            PhoneMessage.medium == medium,
            PhoneMessage.remote_ref == remote_ref,
            (PhoneMessage.delivery_status.is_(None)) | PhoneMessage.delivery_status.in_(lower),
        )
        .values(delivery_status=status, delivery_error=error, delivery_updated_at=at or utcnow())
    )
    return db.session.execute(stmt).rowcount or 0

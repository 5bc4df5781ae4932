"""Given-up WhatsApp and SMS messages: the rows a regional admin sees on the failed-messages
page, and reviving them (one, or every match of a filter) through the outbox's one revive.

Both media share one table (phone_messages) and one given-up state, so one revive target
serves both: a revived row is pending again, attempts reset, the same row (its dedupe key
and context kept), and the channel that sends its medium picks it up on its next round.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import cast

from sqlalchemy import Select, select

from portal.accounts.models import User
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.messaging.models import DEAD, PhoneMessage
from portal.outbox.channel import Channel
from portal.outbox.revive import revive
from portal.staff.revive_filters import revive_typed
from portal.staff.scoping import admin_region


class PhoneOutboxTable:
    """What reviving needs of a channel, and all it reads of one (portal/outbox/revive.py
    and portal/staff/revive_filters.py use `model` and `give_up_state` only): the phone
    outbox table and its given-up state. It delivers nothing; the WhatsApp and SMS channels
    that do deliver share this table and this state, so no other target is needed."""

    name = "phone"
    model = PhoneMessage
    give_up_state = DEAD


# Typed as a Channel for revive() and the revive filters, which read only the two
# attributes above.
PHONE_OUTBOX = cast(Channel, PhoneOutboxTable())


def scoped_phone_messages(user: User) -> Select:
    """The phone rows this admin may see and re-send: their own region's (super-admin: all),
    through the same scope as the failed e-mail page; 403 for every other role."""
    stmt = select(PhoneMessage)
    region = admin_region(user)
    return stmt if region is None else stmt.where(PhoneMessage.region_id == region)


def with_case_codes(stmt: Select) -> Select:
    """The rows with their case's tracking code (None for a chat answer before filing)."""
    return stmt.outerjoin(Complaint, Complaint.id == PhoneMessage.complaint_id).add_columns(
        Complaint.tracking_code
    )


def scoped_phone_message(user: User, row_id: int) -> PhoneMessage | None:
    """One row this admin may re-send, or None (the page answers 404)."""
    stmt = scoped_phone_messages(user).where(PhoneMessage.id == row_id)
    return db.session.execute(stmt).scalar_one_or_none()


def revive_phone(row_id: int, now: datetime | None = None) -> bool:
    """Give a dead WhatsApp/SMS message a fresh start (the same row: pending, attempts 0,
    due now; the last error kept for the record). False if it is not dead."""
    return bool(revive(PHONE_OUTBOX, PhoneMessage.id == row_id, now=now))


def revive_phone_matching(
    user: User, form: Mapping[str, str | None]
) -> tuple[dict[str, str], int | str]:
    """Bulk re-send from the page's filter form, held to the admin's region (as typed,
    and how many rows were revived or the message of a bad filter)."""
    return revive_typed(PHONE_OUTBOX, user, form)

"""What became of a message to the citizen, in the words the case page uses.

Pure: the outbox rows' columns in, a state key and the reason out. E-mail knows only its
own delivery (waiting, sent, failed); WhatsApp and SMS also learn later from the provider
whether the phone got it and whether it was read.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.phone_numbers import mask_numbers_in

WAITING = "waiting"  # menunggu: not sent yet (or being retried)
SENT = "sent"  # terkirim: the server or provider took it
DELIVERED = "delivered"  # diterima: on the citizen's phone
READ = "read"  # dibaca: opened (WhatsApp read receipts)
FAILED = "failed"  # gagal: given up, or the provider reported it undeliverable
NOT_SENT = "not_sent"  # no longer worth sending (a reminder whose deadline stopped)
STATES = (WAITING, SENT, DELIVERED, READ, FAILED, NOT_SENT)


@dataclass(frozen=True)
class DeliveryState:
    key: str  # one of STATES
    reason: str | None = None  # why it failed or is being retried, for the staff
    resendable: bool = False  # given up by the outbox: an admin may send it again


def delivery_state(
    status: str,
    *,
    last_error: str | None = None,
    attempts: int = 0,
    delivery_status: str | None = None,
    delivery_error: str | None = None,
) -> DeliveryState:
    """The state of one outbox row. `status` is the outbox's (pending, sending, sent, dead,
    stale); `delivery_status` what the provider reported after accepting it (phone only)."""
    if status == "dead":
        return DeliveryState(FAILED, last_error, resendable=True)
    if status == "stale":
        return DeliveryState(NOT_SENT)
    if status in ("pending", "sending"):
        return DeliveryState(WAITING, last_error if attempts else None)
    if delivery_status == "failed":
        return DeliveryState(FAILED, delivery_error)
    if delivery_status == "delivered":
        return DeliveryState(DELIVERED)
    if delivery_status == "read":
        return DeliveryState(READ)
    return DeliveryState(SENT)


def reason_for(reason: str | None, recipient: str | None, may_see_recipient: bool) -> str | None:
    """A failure reason as the reader may see it: a provider's error can name the number or
    address ("550 <warga@…>", "6281… is not on WhatsApp"); for staff who may not see the
    reporter both are masked out."""
    if not reason or may_see_recipient:
        return reason
    if recipient:
        reason = reason.replace(recipient, "…")
    return mask_numbers_in(reason)

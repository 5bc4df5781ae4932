"""What helps a citizen keep their private link: the PIN, a QR code, what was sent where.

The private link is the only way back to answer, rate or see a Rahasia report. Nothing
here stores anything: the PIN and the link are derived again from the case's submission
digest (portal.complaints.access, portal.complaints.pins), the note of what was sent is
read from the outbox rows the receipt wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from portal.cases.citizen_messages import citizen_messages
from portal.cases.message_state import FAILED, NOT_SENT, WAITING
from portal.cases.page import MapPoint, map_point
from portal.complaints.models import Complaint
from portal.complaints.pins import grouped, shown_pin
from portal.complaints.status import QUARANTINED
from portal.inline_qr import qr_svg
from portal.messaging.choice import EMAIL, SMS, WHATSAPP
from portal.notifications.messages import citizen_medium
from portal.phone_numbers import masked
from portal.routing.active import get_router

RECEIPT = "receipt"
LINK_SENT = "private_link"  # the outbox template and phone kind of "Kirim tautan ini ke saya"


@dataclass(frozen=True)
class Sent:
    """One message about this case to the citizen, as the citizen may read it."""

    channel: str  # email | whatsapp | sms
    to: str  # masked: b***@example.org, 62…890
    waiting: bool  # not sent yet (or being retried)
    failed: bool


def phone_channels(complaint: Complaint) -> tuple[str, ...]:
    """The phone media the case's region sends by (its routing-file sender numbers)."""
    region = get_router().region(complaint.region_id)
    if region is None:
        return ()
    return tuple(m for m, on in ((WHATSAPP, region.whatsapp), (SMS, region.sms)) if on)


def pin_of(complaint: Complaint) -> str | None:
    """The case's PIN grouped for reading (K7M-4PX), or None when the PIN would not open
    the case (its token is not the one derived from the digest, so neither is the PIN)."""
    pin = shown_pin(
        current_app.config["SECRET_KEY"], complaint.submission_digest, complaint.access_token_hash
    )
    return grouped(pin) if pin else None


def private_url(complaint: Complaint, token: str) -> str:
    return url_for("citizen.track_case", code=complaint.tracking_code, t=token, _external=True)


def masked_email(address: str) -> str:
    """b***@example.org: enough to recognise one's own address, not to learn someone's."""
    local, _, domain = (address or "").strip().rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def masked_recipient(channel: str, recipient: str) -> str:
    return masked_email(recipient) if channel == "email" else masked(recipient)


def sent_of(complaint: Complaint, kind: str) -> list[Sent]:
    """The messages of one kind (the receipt, a sent link) about this case, newest last."""
    found = []
    for message in citizen_messages(complaint, may_see_reporter=True):
        if message.kind != kind or message.state.key == NOT_SENT:
            continue
        found.append(
            Sent(
                message.channel,
                masked_recipient(message.channel, message.recipient),
                waiting=message.state.key == WAITING,
                failed=message.state.key == FAILED,
            )
        )
    return found


def held_receipt(complaint: Complaint) -> list[Sent]:
    """A quarantined report's receipt as the note shows it: on its way to the contact given.
    A held report sends none, and a note saying so would tell its sender they are on the
    region's abuse list (what the portal never tells them)."""
    medium = citizen_medium(complaint)
    if medium in (WHATSAPP, SMS) and complaint.reporter_msisdn:
        return [Sent(medium, masked(complaint.reporter_msisdn), waiting=True, failed=False)]
    if medium == EMAIL and complaint.reporter_email:
        return [Sent(EMAIL, masked_email(complaint.reporter_email), waiting=True, failed=False)]
    return []


def receipt_of(complaint: Complaint) -> list[Sent]:
    if complaint.status == QUARANTINED:
        return held_receipt(complaint)
    return sent_of(complaint, RECEIPT)


@dataclass(frozen=True)
class PageAids:
    """What the private page shows to keep the link (only ever built for the token holder)."""

    link: str
    pin: str | None
    qr: Markup
    receipt: list[Sent] | None  # just after filing: what the receipt went to (may be empty)
    link_sent: Sent | None  # after "Kirim tautan ini ke saya": the newest such message
    phone_channels: tuple[str, ...]  # whatsapp/sms where the case's region sends them
    map_point: MapPoint | None


def page_aids(
    complaint: Complaint,
    token: str,
    *,
    just_sent: bool,
    link_sent: bool,
) -> PageAids:
    link = private_url(complaint, token)
    sent = sent_of(complaint, LINK_SENT) if link_sent else []
    return PageAids(
        link=link,
        pin=pin_of(complaint),
        qr=qr_svg(link, _("Kode QR tautan pribadi")),
        receipt=receipt_of(complaint) if just_sent else None,
        link_sent=sent[-1] if sent else None,
        phone_channels=phone_channels(complaint),
        map_point=map_point(complaint),
    )

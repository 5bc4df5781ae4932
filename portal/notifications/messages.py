"""Which messages a change writes to the outbox, and the plain values each template gets.

Staff messages carry the minimum and a link to the case page: never the reporter (so an
Anonim report stays anonymous whoever reads the mail), and the title of a Rahasia report
only for someone whose account could open the case.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_babel import force_locale

from portal.accounts import notices, roles
from portal.complaints.display import place_names
from portal.complaints.models import Complaint, Event
from portal.complaints.status import CLOSED
from portal.messaging.choice import EMAIL, SMS, WHATSAPP, medium_for
from portal.messaging.outbox import add_phone_message
from portal.notifications.outbox import add_message
from portal.notifications.recipients import (
    Recipient,
    accounts,
    handlers_of,
    may_open,
    region_contacts,
    resolve,
)
from portal.routing.active import get_router
from portal.routing.model import localized_name

# Citizen messages by the case event that causes them.
CITIZEN_TEMPLATES = {
    "submitted": "receipt",
    "verify": "verified",
    "hold": "on_hold",
    "respond": "responded",
    "close": "closed",
    "auto_close": "closed",
    # Where the case ends or goes on, and what the citizen does next. A report archived
    # straight from quarantine never gets here (hooks.on_case_event): its sender was never
    # told it was held.
    "reject_spam": "archived_spam",
    "reject_duplicate": "archived_duplicate",
    "forward": "forwarded",
    "transfer": "transferred",
    "send_back": "sent_back",
    "resume": "resumed",
    "hold_reminder": "hold_reminder",
    "hold_timeout": "hold_expired",  # or closed_no_answer: see citizen_template
}
MOVE_EVENTS = ("transfer", "send_back")
LAPOR_URL = "https://www.lapor.go.id"
STAFF_DISPOSAL_EVENTS = ("verify", "redispose")


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def case_link(complaint: Complaint) -> str:
    return f"{base_url()}/staf/kasus/{complaint.tracking_code}"


def names(complaint: Complaint, locale: str = "id") -> dict[str, str]:
    """Region, agency and unit names for the message, from the active routing file; a
    unit a later version no longer has keeps its last name, marked old (never a raw id)."""
    # Written into the row when it is queued, often by the tick (no request): an old unit's
    # marker in the reader's language. Flask-Babel ignores an empty `g`.
    g.outbox_rendering = True
    with force_locale(locale):
        shown = place_names(get_router(), complaint)
    return {"region_name": shown.region, "agency_name": shown.agency, "unit_name": shown.unit}


def staff_context(complaint: Complaint, recipient: Recipient, **extra: Any) -> dict[str, Any]:
    """What a staff member reads: code, place, link; the title unless they may not see it."""
    shows_title = not complaint.confidential or may_open(recipient.user, complaint)
    return {
        "tracking_code": complaint.tracking_code,
        "title": complaint.title if shows_title else None,
        "confidential": bool(complaint.confidential),
        "classification": complaint.classification,
        "case_link": case_link(complaint),
        **names(complaint, recipient_locale(recipient)),
        **extra,
    }


def recipient_locale(recipient: Recipient) -> str:
    """The account's saved language; an address without an account (a routing-file
    contact, a desk's shared mailbox) reads Indonesian."""
    user = recipient.user
    return user.locale if user is not None and user.locale in ("id", "en") else "id"


def contact_addresses(contacts) -> frozenset[str]:
    """The routing file's contact addresses (lower case): they get every notice."""
    return frozenset(c.email.strip().lower() for c in contacts if c.email)


def audience(
    template: str, recipients: list[Recipient], contacts: frozenset[str] = frozenset()
) -> list[Recipient]:
    """Who gets this notice: every contact of the routing file, and every account that
    has not turned this kind off on its account page (portal/accounts/notices.py)."""
    return [
        r
        for r in recipients
        if r.email.strip().lower() in contacts or notices.wants(r.user, template)
    ]


def notify_staff(
    template: str,
    complaint: Complaint,
    recipients: list[Recipient],
    contacts: frozenset[str] = frozenset(),
    **kw: Any,
) -> None:
    """One e-mail per recipient who wants it (`audience`), in the recipient's language;
    `contacts`: the routing file's addresses among them, which always get it."""
    dedupe = kw.pop("dedupe", None)
    extra = kw.pop("extra", {})
    for r in audience(template, recipients, contacts):
        add_message(
            template,
            r.email,
            staff_context(complaint, r, **extra),
            locale=recipient_locale(r),
            complaint=complaint,
            complaint_id=complaint.id,
            region_id=complaint.region_id,
            dedupe_key=f"{dedupe}:{r.email.lower()}" if dedupe else None,
            **kw,
        )


def citizen_medium(complaint: Complaint) -> str | None:
    """email | whatsapp | sms: how this case's reporter is told (complaint.notify_via, held
    to the media the case's region has on; portal/messaging/choice.py), or None. The region
    it was reported in counts too: a case transferred to a region without WhatsApp still
    reaches the citizen who chose it at that region's poster."""
    router = get_router()
    origin = router.agency(complaint.origin_agency_id) if complaint.origin_agency_id else None
    regions = [
        router.region(region_id)
        for region_id in {complaint.region_id, origin.region_id if origin else None}
        if region_id
    ]
    return medium_for(
        complaint.notify_via,
        email=bool(complaint.reporter_email),
        phone=bool(complaint.reporter_msisdn),
        region_whatsapp=any(r is not None and r.whatsapp for r in regions),
        region_sms=any(r is not None and r.sms for r in regions),
    )


def citizen_template(complaint: Complaint, kind: str) -> str | None:
    """The notice for an event; a hold that ran out says whether the case goes on or closed."""
    if kind == "hold_timeout" and complaint.status == CLOSED:
        return "closed_no_answer"
    return CITIZEN_TEMPLATES.get(kind)


def notify_citizen(
    complaint: Complaint, kind: str, event: Event | None, extra: dict[str, Any] | None = None
) -> None:
    """The reporter's own copy, by e-mail or to their own number (never a staff member's);
    the private link is added when the message is rendered. `extra`: more plain values for
    the template (a hold reminder's last day)."""
    template = citizen_template(complaint, kind)
    if template is None:
        return
    medium = citizen_medium(complaint)
    if medium in (WHATSAPP, SMS):
        notify_citizen_by_phone(complaint, medium, template, event, extra)
        return
    if medium != EMAIL or not complaint.reporter_email:
        return
    context = {
        "tracking_code": complaint.tracking_code,
        "title": complaint.title,
        "note": event.note if event is not None else None,
        "feedback_due": complaint.feedback_due.isoformat() if complaint.feedback_due else None,
        **where_it_is(complaint),
        **(extra or {}),
    }
    add_message(
        template,
        complaint.reporter_email,
        context,
        locale=complaint.locale or "id",
        complaint=complaint,
        complaint_id=complaint.id,
        region_id=complaint.region_id,
    )


def notify_citizen_by_phone(
    complaint: Complaint,
    medium: str,
    kind: str,
    event: Event | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """A phone row: what the worker needs to render the notice, and no more. The title of
    a Rahasia report is left out of the row itself, the description always."""
    context = {
        "tracking_code": complaint.tracking_code,
        "title": None if complaint.confidential else complaint.title,
        "confidential": bool(complaint.confidential),
        "note": event.note if event is not None else None,
        "feedback_due": complaint.feedback_due.isoformat() if complaint.feedback_due else None,
        **where_it_is(complaint),
        **(extra or {}),
    }
    add_phone_message(
        medium,
        complaint.reporter_msisdn,
        kind,
        context=context,
        locale=complaint.locale or "id",
        complaint=complaint,
        complaint_id=complaint.id,
        region_id=complaint.region_id,
    )


def where_it_is(complaint: Complaint) -> dict[str, str]:
    """The region that handles the case now (after a transfer: the receiving one) and
    where SP4N-LAPOR! continues, for the notices that say where the case went; the
    region's English name (`name_en:`) for a reporter who wrote in English."""
    region = get_router().region(complaint.region_id)
    name = localized_name(region, complaint.locale) if region else complaint.region_id
    return {"region_name": name, "lapor_url": LAPOR_URL}


def notify_moved(complaint: Complaint, event: Event) -> None:
    """A case transferred or sent back reaches its new region as a new one would: the
    region's contacts and its admins (not the intake unit's: nobody disposed it there)."""
    router = get_router()
    contacts = region_contacts(router, complaint.region_id)
    admins = accounts(roles.REGIONAL_ADMIN, region_id=complaint.region_id)
    notify_staff(
        "case_moved",
        complaint,
        resolve(contacts, admins),
        contact_addresses(contacts),
        extra={
            "from_region_name": router.region_name(complaint.transferred_from or ""),
            "sent_back": event.kind == "send_back",
            "note": event.note,
        },
    )


def notify_new_case(complaint: Complaint) -> None:
    """The unit's contacts and the region's admins hear of a new case at once."""
    router = get_router()
    contacts = router.contacts_for(complaint.agency_id, complaint.unit_id)
    admins = accounts(roles.REGIONAL_ADMIN, region_id=complaint.region_id)
    notify_staff("new_case", complaint, resolve(contacts, admins), contact_addresses(contacts))


def notify_disposed(complaint: Complaint) -> None:
    """The unit a case was disposed to: its contacts and its officers."""
    router = get_router()
    contacts = router.contacts_for(complaint.agency_id, complaint.unit_id)
    users = handlers_of(complaint.agency_id, complaint.unit_id)
    notify_staff("disposed", complaint, resolve(contacts, users), contact_addresses(contacts))

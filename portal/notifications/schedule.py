"""Reminders, escalations and the leaders' daily digest, written to the outbox by `sla tick`.

Each is keyed (dedupe_key) by the case, the deadline's date and the recipient, or by the
region, the day and the leader: a second tick, or a tick on another host, adds nothing
new. A deadline that moved (a hold paused the clock) is a new deadline with its own key.
Cases on hold have no running deadline (due_key is the far future) and get nothing.
The tick hands in a `Lookups` per batch, so 10,000 cases cost a few queries per batch, not
several per case.

A case someone holds (complaints.assigned_user_id) reminds its holder first: the holder's
e-mail is the first one written. Then, for a reminder, the routing file's contacts of the
place (the unit's liaison, the region's desk for a new case), but not every other officer
or admin: the case is in one person's hands, and ten people told of it is nobody told. An
escalation goes to the holder and then to everyone it went to before (the agency head,
the leaders): it is for those above the holder. A holder who can no longer open the case
(disabled, moved to another unit) is skipped, and the reminder goes to everyone as if
nobody held it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from portal.accounts import roles
from portal.accounts.models import User
from portal.clocks.due import NO_DEADLINE
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notifications.messages import (
    audience,
    base_url,
    case_link,
    contact_addresses,
    names,
    notify_staff,
    recipient_locale,
)
from portal.notifications.models import OutboxMessage
from portal.notifications.outbox import add_message, already_in_outbox
from portal.notifications.recipients import (
    Recipient,
    accounts,
    agency_head_contacts,
    handlers_of,
    may_open,
    region_contacts,
    resolve,
)
from portal.routing.engine import Router


class Lookups:
    """What the cases of one tick batch share, read once per batch instead of once per case:
    the recipients of a role and scope (with their accounts) and the dedupe keys already in
    the outbox for these cases. Valid for one transaction (the accounts expire at commit)."""

    def __init__(self, complaint_ids: list[int]):
        self._recipients: dict[tuple, list[Recipient]] = {}
        stmt = select(OutboxMessage.dedupe_key).where(
            OutboxMessage.complaint_id.in_(complaint_ids),
            OutboxMessage.template.in_(("reminder", "escalation")),
        )
        self.queued: set[str] = set(db.session.execute(stmt).scalars())
        held = (
            select(User)
            .join(Complaint, Complaint.assigned_user_id == User.id)
            .where(Complaint.id.in_(complaint_ids))
        )
        self.holders: dict[int, User] = {u.id: u for u in db.session.execute(held).scalars()}

    def recipients(self, key: tuple, build) -> list[Recipient]:
        if key not in self._recipients:
            self._recipients[key] = build()
        return self._recipients[key]


def _deadline(complaint: Complaint) -> str:
    return "verification" if complaint.status == s.NEW else "followup"


def _fresh(
    key: str, recipients: list[Recipient], lookups: Lookups | None = None
) -> list[Recipient]:
    keys = [f"{key}:{r.email.lower()}" for r in recipients]
    done = lookups.queued if lookups is not None else already_in_outbox(keys)
    return [r for r, k in zip(recipients, keys, strict=True) if k not in done]


def _memo(lookups: Lookups | None, key: tuple, build) -> list[Recipient]:
    return lookups.recipients(key, build) if lookups is not None else build()


def _holder(complaint: Complaint, lookups: Lookups | None) -> User | None:
    """Who holds the case, if they could still open it (else: as if nobody held it)."""
    if complaint.assigned_user_id is None:
        return None
    if lookups is not None:
        user = lookups.holders.get(complaint.assigned_user_id)
    else:
        with db.session.no_autoflush:
            user = db.session.get(User, complaint.assigned_user_id)
    return user if may_open(user, complaint) else None


def _holder_first(holder: User | None, recipients: list[Recipient]) -> list[Recipient]:
    if holder is None:
        return recipients
    rest = [r for r in recipients if r.email.lower() != holder.email.lower()]
    return [Recipient(holder.email, holder), *rest]


def notify_reminder(
    router: Router, complaint: Complaint, now: datetime, lookups: Lookups | None = None
) -> int:
    """One working day before the running deadline: whoever must act before it (the
    holder first, then the place's contacts; nobody holding it: everyone concerned)."""
    if complaint.status not in s.RUNNING or complaint.due_key == NO_DEADLINE:
        return 0
    holder = _holder(complaint, lookups)
    if complaint.status == s.NEW:  # verification is the regional admins' job
        contacts = region_contacts(router, complaint.region_id)

        def build() -> list[Recipient]:
            admins = [] if holder else accounts(roles.REGIONAL_ADMIN, region_id=complaint.region_id)
            return resolve(contacts, admins)

        key: tuple = ("reminder-new", complaint.region_id, holder is not None)
    else:  # the handling unit's liaison (its contacts) and officers
        contacts = router.contacts_for(complaint.agency_id, complaint.unit_id)

        def build() -> list[Recipient]:
            officers = [] if holder else handlers_of(complaint.agency_id, complaint.unit_id)
            return resolve(contacts, officers)

        key = ("reminder", complaint.agency_id, complaint.unit_id, holder is not None)
    recipients = _holder_first(holder, _memo(lookups, key, build))
    return _notify_once("reminder", complaint, recipients, contacts, now, lookups)


def notify_escalation(
    router: Router, complaint: Complaint, now: datetime, lookups: Lookups | None = None
) -> int:
    """The deadline passed: the holder, then the agency head (its contacts) and the
    region's leaders."""
    if complaint.status not in s.RUNNING or complaint.due_key == NO_DEADLINE:
        return 0
    new = complaint.status == s.NEW
    if new:
        contacts = region_contacts(router, complaint.region_id)
    else:
        contacts = agency_head_contacts(router, complaint.agency_id)

    def build() -> list[Recipient]:
        return resolve(contacts, accounts(roles.LEADER, region_id=complaint.region_id))

    key = ("escalation", new, complaint.region_id, None if new else complaint.agency_id)
    recipients = _holder_first(_holder(complaint, lookups), _memo(lookups, key, build))
    return _notify_once("escalation", complaint, recipients, contacts, now, lookups)


def _notify_once(
    template: str,
    complaint: Complaint,
    recipients,
    contacts,
    now: datetime,
    lookups: Lookups | None,
) -> int:
    """The notice to each recipient who wants it and has not had it for this deadline.
    A muted account (portal/accounts/notices.py) is left out before the dedupe keys are
    asked: nothing is written for it."""
    key = f"{template}:{complaint.id}:{_deadline(complaint)}:{complaint.due_key.isoformat()}"
    always = contact_addresses(contacts)
    fresh = _fresh(key, audience(template, recipients, always), lookups)
    notify_staff(
        template,
        complaint,
        fresh,
        always,
        dedupe=key,
        now=now,
        extra={"due": complaint.due_key.isoformat(), "deadline": _deadline(complaint)},
    )
    return len(fresh)


def notify_digests(router: Router, region_id: str, today: date, now: datetime) -> int:
    """Once a day per leader: the region's overdue cases (leaders may open all of them)."""
    leaders = accounts(roles.LEADER, region_id=region_id)
    if not leaders:
        return 0
    stmt = (
        select(Complaint)
        .where(
            Complaint.region_id == region_id,
            Complaint.status.in_(s.RUNNING),
            Complaint.due_key < today,
        )
        .order_by(Complaint.due_key, Complaint.id)
        .limit(50)
    )
    overdue = list(db.session.execute(stmt).scalars())
    if not overdue:
        return 0
    key = f"digest:{region_id}:{today.isoformat()}"
    fresh = _fresh(key, audience("digest", [Recipient(u.email, u) for u in leaders]))
    by_locale: dict[str, list[dict]] = {}

    def cases_in(locale: str) -> list[dict]:
        if locale not in by_locale:
            by_locale[locale] = [
                {
                    "tracking_code": c.tracking_code,
                    "title": c.title,
                    "due": c.due_key.isoformat(),
                    "case_link": case_link(c),
                    "agency_name": names(c, locale)["agency_name"],
                }
                for c in overdue
            ]
        return by_locale[locale]

    region = router.region(region_id)
    for r in fresh:
        add_message(
            "digest",
            r.email,
            {
                "region_name": region.name if region else region_id,
                "day": today.isoformat(),
                "cases": cases_in(recipient_locale(r)),
                "dashboard_link": f"{base_url()}/staf/dasbor",
            },
            locale=recipient_locale(r),
            region_id=region_id,
            dedupe_key=f"{key}:{r.email.lower()}",
            now=now,
        )
    return len(fresh)

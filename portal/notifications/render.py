"""Turning an outbox row into subject, text and HTML, in the recipient's language.

Rendering happens in the worker, not in the request: a broken template then kills only
its message (dead, with the error), never the case change that wrote it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, render_template
from flask_babel import force_locale

from portal.accounts.models import AccountToken
from portal.accounts.tokens import link_token
from portal.complaints.access import private_link_of
from portal.complaints.models import Complaint
from portal.complaints.pins import grouped, shown_pin
from portal.extensions import db
from portal.notifications.models import OutboxMessage

# Templates addressed to the reporter: they get the private link, built at render time so
# the outbox never stores the link's secret (the database keeps only its hash).
CITIZEN_TEMPLATES = frozenset(
    {
        "receipt",
        "verified",
        "on_hold",
        "responded",
        "closed",
        # The case ends here or moves on: archived, forwarded, transferred, sent back.
        "archived_spam",
        "archived_duplicate",
        "forwarded",
        "transferred",
        "sent_back",
        # The original of an archived duplicate was answered.
        "duplicate_progress",
        # Halfway through a hold, and the ways a hold ends without the citizen's answer.
        "hold_reminder",
        "resumed",
        "hold_expired",
        "closed_no_answer",
        # "Kirim tautan ini ke saya" on the private page (portal/citizen/private_link.py).
        "private_link",
    }
)
# Templates that also print the PIN (the typed form of the link, portal/complaints/pins.py).
PIN_TEMPLATES = frozenset({"receipt", "private_link"})


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def private_link(complaint: Complaint) -> str:
    config = current_app.config
    return private_link_of(
        config["PUBLIC_BASE_URL"],
        config["SECRET_KEY"],
        complaint.tracking_code,
        complaint.submission_digest,
    )


def private_pin(complaint: Complaint) -> str | None:
    """The case's PIN, grouped (K7M-4PX), built like the link at render time; None when
    the PIN would not open the case."""
    pin = shown_pin(
        current_app.config["SECRET_KEY"], complaint.submission_digest, complaint.access_token_hash
    )
    return grouped(pin) if pin else None


# Staff account e-mails whose link (invitation, password reset) is rebuilt at render time
# from the token row named in the context (portal/accounts/tokens.py): path per purpose.
ACCOUNT_LINK_PATHS = {"invite": "/staf/undangan/", "reset": "/staf/sandi-baru/"}


def account_link(token_id: int) -> str | None:
    """The link of an account token row, or None when the row is gone."""
    row = db.session.get(AccountToken, token_id)
    if row is None or row.purpose not in ACCOUNT_LINK_PATHS:
        return None
    config = current_app.config
    token = link_token(row, config["SECRET_KEY"])
    return f"{config['PUBLIC_BASE_URL']}{ACCOUNT_LINK_PATHS[row.purpose]}{token}"


def context_for(row: OutboxMessage) -> dict[str, Any]:
    context = json.loads(row.context_json or "{}")
    if isinstance(context.get("account_token_id"), int):
        context["account_link"] = account_link(context["account_token_id"])
    if row.template in CITIZEN_TEMPLATES and row.complaint_id is not None:
        complaint = db.session.get(Complaint, row.complaint_id)
        if complaint is not None:
            context["private_link"] = private_link(complaint)
            if row.template in PIN_TEMPLATES:
                context["private_pin"] = private_pin(complaint)
    context.setdefault("portal_url", current_app.config["PUBLIC_BASE_URL"])
    return context


def render_row(row: OutboxMessage) -> Rendered:
    """Render templates/email/<template>/{subject.txt,body.txt,body.html}; raises on error."""
    context = context_for(row)
    # Flask-Babel keeps its forced locale on `g`, and ignores an empty `g` (a worker has no
    # request): give it something so force_locale takes hold.
    g.outbox_rendering = True
    with force_locale(row.locale or "id"):
        folder = f"email/{row.template}"
        subject = render_template(f"{folder}/subject.txt", **context)
        text = render_template(f"{folder}/body.txt", **context)
        html = render_template(f"{folder}/body.html", **context)
    subject = " ".join(subject.split())  # one line: a newline in Subject is a header injection
    return Rendered(subject=subject, text=text.strip() + "\n", html=html)

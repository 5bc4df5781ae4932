"""The e-mail channel: what sending the outbox through Flask-Mail adds to the delivery core.

This adapter renders each message in its recipient's language, judges the SMTP server's
answer (a 5xx refusal is final, the rest is retried), resets the session after a refusal
and drops reminders whose deadline no longer runs. Claiming with leases (SKIP LOCKED on
PostgreSQL), backoff, giving up (`dead`) and the worker loop are the core's (portal/outbox):
each message is committed as sent on its own, so a worker killed mid-batch re-sends at most
one message, under the same Message-ID, after its lease runs out.
"""

from __future__ import annotations

import contextlib
import json
import smtplib
from collections.abc import Iterator
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_mail import Message

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notifications.mail import Transport, ensure_mail, transport_for
from portal.notifications.models import DEAD, OutboxMessage
from portal.notifications.render import render_row
from portal.outbox import outcomes
from portal.outbox.channel import Channel, PeerUnreachable
from portal.outbox.revive import revive

DEADLINE_TEMPLATES = ("reminder", "escalation")
# The server answered this one message (the session is still usable); anything else from
# SMTP, or the socket, means the link is gone for the rest of the batch too.
REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)


class PermanentFailure(Exception):
    """Retrying cannot help (a refused address, a broken template): the message is dead."""


def _outdated(row: OutboxMessage) -> bool:
    """A reminder written before the case went on hold, or before its deadline moved or
    stopped, would nag about a deadline that no longer runs: it is dropped, not sent."""
    if row.template not in DEADLINE_TEMPLATES or row.complaint_id is None:
        return False
    complaint = db.session.get(Complaint, row.complaint_id)
    due = json.loads(row.context_json or "{}").get("due")
    return complaint is None or due != complaint.due_key.isoformat()


def build_message(row: OutboxMessage) -> Message:
    """The e-mail for one row; raises PermanentFailure for a bad address or template."""
    try:
        validate_email(row.recipient, check_deliverability=False)
    except EmailNotValidError as exc:
        raise PermanentFailure(f"invalid recipient {row.recipient!r}: {exc}") from exc
    try:
        rendered = render_row(row)
    except Exception as exc:  # any template error: the message cannot be rendered as is
        raise PermanentFailure(f"template {row.template}: {type(exc).__name__}: {exc}") from exc
    ensure_mail(current_app)
    message = Message(
        subject=rendered.subject,
        recipients=[row.recipient],
        body=rendered.text,
        html=rendered.html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={
            "Auto-Submitted": "auto-generated",
            "Content-Language": row.locale,
            "X-Aduan-Template": row.template,
        },
    )
    message.msgId = row.message_id
    return message


def _classify(exc: Exception) -> tuple[bool, str]:
    """(permanent?, reason) for an SMTP failure; 5xx refusals are permanent, the rest not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        reason = "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
        return all(code >= 500 for code in codes), f"refused: {reason}"
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error
        text = msg.decode(errors="replace") if isinstance(msg, bytes) else str(msg)
        return exc.smtp_code >= 500, f"{exc.smtp_code} {text}"
    return False, _link_error(exc)


def _link_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _reset(transport: Transport) -> None:
    """After a refusal the SMTP session is mid-transaction: RSET it for the next message."""
    connection = getattr(transport, "connection", None)
    host = getattr(connection, "host", None)
    if host is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            host.rset()


class EmailChannel(Channel):
    name = "email"
    model = OutboxMessage
    give_up_state = DEAD

    def give_up_after(self) -> timedelta:
        return timedelta(hours=current_app.config["OUTBOX_GIVE_UP_AFTER"])

    def max_attempts(self) -> int | None:
        return current_app.config.get("OUTBOX_MAX_ATTEMPTS")

    @contextlib.contextmanager
    def connect(self) -> Iterator[Transport]:
        """One SMTP session for the batch (or the .eml folder when MAIL_SERVER is unset),
        set up from the live config, so tests and `outbox send` see what is set now."""
        transport = transport_for()
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(transport)
            except (smtplib.SMTPException, OSError) as exc:  # no server: nothing is tried
                raise PeerUnreachable(_link_error(exc)) from exc
            yield transport

    def deliver(self, row: OutboxMessage, transport: Transport) -> outcomes.Outcome:
        if _outdated(row):
            return outcomes.stale("deadline no longer running")
        try:
            message = build_message(row)
        except PermanentFailure as exc:
            db.session.rollback()
            return outcomes.give_up(str(exc))
        try:
            transport.send(message)
        except REFUSALS as exc:
            permanent, reason = _classify(exc)
            _reset(transport)
            return outcomes.give_up(reason) if permanent else outcomes.retry(reason)
        except (smtplib.SMTPException, OSError) as exc:  # the link broke mid-batch
            return outcomes.retry(_link_error(exc), unreachable=True)
        return outcomes.sent()

    def describe(self, row: OutboxMessage) -> str:
        return f"mail {row.message_id} to {row.recipient}"


def resend(row_id: int, now: datetime | None = None) -> bool:
    """Give a dead message a fresh start (same Message-ID); False if it is not dead."""
    return bool(revive(EmailChannel(), OutboxMessage.id == row_id, now=now))

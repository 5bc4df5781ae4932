"""Delivering the outbox: claim due rows, send each once, retry with backoff, give up dead.

Claiming is a short transaction that marks rows `sending` with a lease (locked_until). On
PostgreSQL the candidate rows are read FOR UPDATE SKIP LOCKED, so several workers on
several hosts take disjoint batches without waiting for each other; the claiming UPDATE
re-checks each row's state, so a row is claimed by one worker only, on SQLite too. Each
message is committed as sent on its own: a worker killed mid-batch loses nothing, and at
worst re-sends one message, under the same Message-ID, after its lease runs out.
"""

from __future__ import annotations

import contextlib
import json
import logging
import smtplib
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_mail import Message
from sqlalchemy import update

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notifications.mail import Transport, ensure_mail, transport_for
from portal.notifications.models import DEAD, PENDING, SENT, STALE, OutboxMessage
from portal.notifications.render import render_row
from portal.outbox.backoff import MAX_ATTEMPTS, backoff
from portal.outbox.claiming import claim_due
from portal.timeutil import utcnow

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """Retrying cannot help (a refused address, a broken template): the message is dead."""


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    stale: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.dead + self.stale


DEADLINE_TEMPLATES = ("reminder", "escalation")


def _outdated(row: OutboxMessage) -> bool:
    """A reminder queued before the case went on hold, or before its deadline moved or
    stopped, would nag about a deadline that no longer runs: it is dropped, not sent."""
    if row.template not in DEADLINE_TEMPLATES or row.complaint_id is None:
        return False
    complaint = db.session.get(Complaint, row.complaint_id)
    due = json.loads(row.context_json or "{}").get("due")
    return complaint is None or due != complaint.due_key.isoformat()


def claim(worker_id: str, now: datetime, limit: int) -> list[OutboxMessage]:
    """Mark up to `limit` due rows as ours (status sending, a lease) and commit."""
    return claim_due(OutboxMessage, worker_id, now, limit)


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
    return False, f"{type(exc).__name__}: {exc}"


def _finish(row_id: int, worker_id: str, now: datetime, **values) -> None:
    """Write a row's outcome, only if the row is still ours (its lease not taken over)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker_id)
        .values(claimed_by=None, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _failed(row: OutboxMessage, worker_id: str, now: datetime, reason: str, permanent: bool):
    if permanent or row.attempts >= current_app.config.get("OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS):
        log.warning("mail %s to %s is dead: %s", row.message_id, row.recipient, reason)
        _finish(row.id, worker_id, now, status=DEAD, last_error=reason[:2000])
        return "dead"
    _finish(
        row.id,
        worker_id,
        now,
        status=PENDING,
        last_error=reason[:2000],
        next_attempt_at=now + backoff(row.attempts),
    )
    return "retried"


def deliver_due(
    *,
    now: datetime | None = None,
    limit: int = 50,
    transport: Transport | None = None,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
) -> DeliveryResult:
    """Send one batch of due messages; returns what happened to each."""
    now = now or utcnow()
    worker_id = worker_id or uuid.uuid4().hex
    result = DeliveryResult()
    rows = claim(worker_id, now, limit)
    if not rows:
        return result
    pending = list(rows)
    transport = transport or transport_for()
    try:
        with transport:
            while pending and not (stop is not None and stop.is_set()):
                outcome = _deliver_one(pending[0], transport, worker_id, now)
                pending.pop(0)  # only now: a broken connection retries this row too
                setattr(result, outcome, getattr(result, outcome) + 1)
    except (smtplib.SMTPException, OSError) as exc:  # could not connect, or the link broke
        reason = f"{type(exc).__name__}: {exc}"
        for row in pending:
            outcome = _failed(row, worker_id, now, reason, permanent=False)
            setattr(result, outcome, getattr(result, outcome) + 1)
        pending = []
    for row in pending:  # asked to stop: hand the rest back at once, no attempt spent
        _finish(row.id, worker_id, now, status=PENDING, attempts=row.attempts - 1)
    return result


def _deliver_one(row: OutboxMessage, transport: Transport, worker_id: str, now) -> str:
    if _outdated(row):
        _finish(row.id, worker_id, now, status=STALE, last_error="deadline no longer running")
        return "stale"
    try:
        message = build_message(row)
    except PermanentFailure as exc:
        db.session.rollback()
        return _failed(row, worker_id, now, str(exc), permanent=True)
    try:
        transport.send(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        permanent, reason = _classify(exc)
        _reset(transport)
        return _failed(row, worker_id, now, reason, permanent)
    _finish(row.id, worker_id, now, status=SENT, sent_at=now, last_error=None)
    return "sent"


def _reset(transport: Transport) -> None:
    """After a refusal the SMTP session is mid-transaction: RSET it for the next message."""
    connection = getattr(transport, "connection", None)
    host = getattr(connection, "host", None)
    if host is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            host.rset()


def resend(row_id: int, now: datetime | None = None) -> bool:
    """Give a dead message a fresh start (same Message-ID); False if it is not dead."""
    changed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == DEAD)
        .values(status=PENDING, attempts=0, next_attempt_at=now or utcnow(), claimed_by=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(changed)


def run(
    stop: threading.Event,
    *,
    poll_seconds: float = 5.0,
    tick_seconds: float = 0.0,
    tick=None,
) -> DeliveryResult:
    """The long-running worker: deliver until `stop` is set (SIGTERM sets it).

    Each round also posts due SP4N-LAPOR! mirror items when NATIONAL_CONNECTOR=http.
    """
    from portal.national.delivery import deliver_national_round

    total = DeliveryResult()
    worker_id = uuid.uuid4().hex
    next_tick = time.monotonic()
    while not stop.is_set():
        if tick is not None and tick_seconds > 0 and time.monotonic() >= next_tick:
            tick()
            next_tick = time.monotonic() + tick_seconds
        result = deliver_due(worker_id=worker_id, stop=stop)
        national = deliver_national_round(worker_id=worker_id, stop=stop)
        total.sent += result.sent
        total.retried += result.retried
        total.dead += result.dead
        db.session.remove()
        if result.handled == 0 and national == 0:
            stop.wait(poll_seconds)
    return total

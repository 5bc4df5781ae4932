"""The WhatsApp and SMS channels: what sending phone messages adds to the delivery core.

One table (phone_messages), two channels split by `medium`. Claiming with leases, backoff,
giving up (`dead`, after PHONE_GIVE_UP_AFTER hours or PHONE_MAX_ATTEMPTS) and the worker
loop are the core's (portal/outbox). Order: one number's messages on one medium go in id
order (a question before the reminder of it); a dead or stale earlier message no longer
holds the later ones back, or one refused template would silence a citizen for good.

Each channel delivers through its provider when configured (WHATSAPP_TOKEN: the Cloud
API; SMS_GATEWAY_URL: the gateway), else writes files (files.py) for the demo.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import column, select, table, update

from portal.extensions import db
from portal.messaging import files, sms_gateway, whatsapp
from portal.messaging.models import DEAD, SMS, WHATSAPP, PhoneMessage
from portal.messaging.sms_parts import gsm_friendly, split_sms
from portal.messaging.texts import PhoneText, Unrenderable, render_phone
from portal.outbox import outcomes
from portal.outbox.channel import Channel
from portal.outbox.states import SENDING, STALE
from portal.phone_numbers import masked
from portal.timeutil import UTCDateTime, utcnow

log = logging.getLogger(__name__)

# WhatsApp's customer-service window is 24 hours from the citizen's last message; free
# text (and buttons) only inside it. Half an hour's margin covers a slow queue and clocks.
WINDOW = timedelta(hours=23, minutes=30)

# chat_conversations, read without importing portal.chat (the chat intake imports this
# package to write its answers; the layers allow no cycle).
_conversations = table(
    "chat_conversations",
    column("medium"),
    column("msisdn"),
    column("last_inbound_at", UTCDateTime()),
)


@dataclass(frozen=True)
class FileSink:
    folder: Path


def last_inbound_at(medium: str, number: str) -> datetime | None:
    """When the citizen last wrote to us on that medium (None: never)."""
    stmt = select(_conversations.c.last_inbound_at).where(
        _conversations.c.medium == medium, _conversations.c.msisdn == number
    )
    return db.session.execute(stmt).scalar()


def in_window(number: str, now: datetime | None = None) -> bool:
    last = last_inbound_at(WHATSAPP, number)
    return last is not None and (now or utcnow()) - last < WINDOW


def _file_sink() -> FileSink:
    folder = current_app.config.get("PHONE_MESSAGE_DIR") or Path(current_app.instance_path) / (
        "messages"
    )
    return FileSink(Path(folder))


class PhoneChannel(Channel):
    """What both media share: the table, the give-up rules, the order, the rendering."""

    model = PhoneMessage
    give_up_state = DEAD
    order_key = ("medium", "recipient")
    order_passable = (DEAD, STALE)
    medium: ClassVar[str]

    def give_up_after(self) -> timedelta:
        return timedelta(hours=current_app.config["PHONE_GIVE_UP_AFTER"])

    def max_attempts(self) -> int | None:
        return current_app.config.get("PHONE_MAX_ATTEMPTS")

    def claim_filters(self):
        return (PhoneMessage.medium == self.medium,)

    def describe(self, row: PhoneMessage) -> str:
        return f"{self.medium} message {row.id} ({row.kind}) to {masked(row.recipient)}"

    def deliver(self, row: PhoneMessage, connection: Any) -> outcomes.Outcome:
        try:
            text = render_phone(row)
        except Unrenderable as exc:
            db.session.rollback()
            return outcomes.give_up(str(exc))
        except Exception as exc:  # a broken translation or context: this row only
            db.session.rollback()
            return outcomes.give_up(f"{row.kind}: {type(exc).__name__}: {exc}")
        outcome = self.send(row, text, connection)
        if outcome.kind == "sent":
            # A re-sent row starts its delivery report afresh: the provider's "failed" for
            # the earlier attempt must not outrank "delivered" for this one.
            outcome = outcomes.sent(**{**FRESH_REPORT, **outcome.values})
        return outcome

    def send(self, row: PhoneMessage, text: PhoneText, connection: Any) -> outcomes.Outcome:
        raise NotImplementedError


FRESH_REPORT = {"delivery_status": None, "delivery_error": None, "delivery_updated_at": None}


class WhatsAppChannel(PhoneChannel):
    name = "whatsapp"
    medium = WHATSAPP

    def connect(self) -> AbstractContextManager[whatsapp.Endpoint | FileSink]:
        config = current_app.config
        if not config.get("WHATSAPP_TOKEN"):
            return nullcontext(_file_sink())
        return nullcontext(
            whatsapp.Endpoint(
                url=whatsapp.messages_url(
                    config["WHATSAPP_API_URL"], config["WHATSAPP_PHONE_NUMBER_ID"]
                ),
                token=config["WHATSAPP_TOKEN"],
                timeout=float(config.get("WHATSAPP_TIMEOUT", 10)),
            )
        )

    def send(self, row: PhoneMessage, text: PhoneText, connection: Any) -> outcomes.Outcome:
        if isinstance(connection, FileSink):
            return _to_file(connection, row, text.text, choices=text.choices)
        if in_window(row.recipient):
            answer = whatsapp.post_message(connection, self.free_form(row, text))
            if answer.code != whatsapp.RE_ENGAGEMENT:
                return whatsapp.outcome_of(answer)
            # The window closed after all (the citizen's clock, a late queue): the
            # template says the same, at once, rather than losing the message.
            log.info("%s: outside the 24-hour window, sent as a template", self.describe(row))
        return whatsapp.outcome_of(whatsapp.post_message(connection, self.template(row, text)))

    def free_form(self, row: PhoneMessage, text: PhoneText) -> dict[str, Any]:
        if text.choices:
            with force_locale(row.locale or "id"):
                label = _("Pilih")
            return whatsapp.interactive_message(row.recipient, text.text, text.choices, label)
        return whatsapp.text_message(row.recipient, text.text)

    def template(self, row: PhoneMessage, text: PhoneText) -> dict[str, Any]:
        """The approved template (WHATSAPP_TEMPLATE) in the row's language: {{1}} the
        tracking code, {{2}} the notice on one line, {{3}} the private link."""
        config = current_app.config
        languages = config["WHATSAPP_TEMPLATE_LANGUAGES"]
        language = languages.get(row.locale) or languages.get("id") or "id"
        params = (text.code or "-", text.notice or "-", text.link)
        return whatsapp.template_message(
            row.recipient, config["WHATSAPP_TEMPLATE"], language, params
        )


class SmsChannel(PhoneChannel):
    name = "sms"
    medium = SMS

    def connect(self) -> AbstractContextManager[sms_gateway.Gateway | FileSink]:
        config = current_app.config
        if not config.get("SMS_GATEWAY_URL"):
            return nullcontext(_file_sink())
        return nullcontext(
            sms_gateway.Gateway(
                url=config["SMS_GATEWAY_URL"],
                body=config.get("SMS_GATEWAY_BODY") or "",
                token=config.get("SMS_GATEWAY_TOKEN") or "",
                timeout=float(config.get("SMS_TIMEOUT", 10)),
            )
        )

    def send(self, row: PhoneMessage, text: PhoneText, connection: Any) -> outcomes.Outcome:
        parts = split_sms(gsm_friendly(text.text)).parts
        if isinstance(connection, FileSink):
            return _to_file(connection, row, text.text, parts=parts, parts_sent=len(parts))
        return send_parts(row, parts, connection)


def send_parts(
    row: PhoneMessage, parts: tuple[str, ...], gateway: sms_gateway.Gateway
) -> outcomes.Outcome:
    """Send the parts the gateway has not taken yet, one by one.

    An outcome's values are written only when the row ends sent or given up, so progress
    through a long SMS is kept another way: after each part but the last, one conditional
    UPDATE sets `parts_sent` (and the first part's gateway id as `remote_ref`) and commits,
    only while the row is still this claim's (`claimed_by` is the claim id the worker gave
    the row, `status` sending), the same fence the core's own writes use. A retry then
    starts from the next part: a failure at part 3 of 4 never sends parts 1 and 2 again.
    If the claim was lost (another worker took the row over), nothing more is sent.
    The one repeat left: a worker killed between the gateway's answer and that commit
    sends that one part again.
    """
    done = min(row.parts_sent or 0, len(parts))
    ref = row.remote_ref
    total = len(parts)
    while done < total:
        answer = sms_gateway.send_part(gateway, row.recipient, parts[done])
        if not answer.ok:
            where = f"part {done + 1}/{total}: " if total > 1 else ""
            if answer.status is None:
                return outcomes.retry(where + answer.reason, unreachable=True)
            if answer.final:
                return outcomes.give_up(where + answer.reason, connector=sms_gateway.CONNECTOR)
            return outcomes.retry(where + answer.reason)
        done += 1
        ref = ref or answer.ref
        if done < total and not _note_progress(row, done, ref):
            return outcomes.retry(f"claim lost after part {done}/{total}")
    return outcomes.sent(connector=sms_gateway.CONNECTOR, remote_ref=ref, parts_sent=total)


def _note_progress(row: PhoneMessage, parts_sent: int, ref: str | None) -> bool:
    changed = db.session.execute(
        update(PhoneMessage)
        .where(
            PhoneMessage.id == row.id,
            PhoneMessage.claimed_by == row.claimed_by,
            PhoneMessage.status == SENDING,
        )
        .values(parts_sent=parts_sent, remote_ref=ref)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed == 1


def _to_file(
    sink: FileSink,
    row: PhoneMessage,
    text: str,
    *,
    choices: tuple[tuple[str, str], ...] = (),
    parts: tuple[str, ...] = (),
    parts_sent: int | None = None,
) -> outcomes.Outcome:
    try:
        path = files.write_message(
            sink.folder,
            medium=row.medium,
            row_id=row.id,
            kind=row.kind,
            recipient=row.recipient,
            locale=row.locale,
            text=text,
            choices=choices,
            parts=parts,
        )
    except OSError as exc:
        return outcomes.retry(f"cannot write {sink.folder}: {exc}", unreachable=True)
    values: dict[str, Any] = {"connector": files.CONNECTOR, "remote_ref": path.name}
    if parts_sent is not None:
        values["parts_sent"] = parts_sent
    return outcomes.sent(**values)


def channel_for(medium: str) -> PhoneChannel:
    if medium == WHATSAPP:
        return WhatsAppChannel()
    if medium == SMS:
        return SmsChannel()
    raise ValueError(f"unknown medium {medium!r}")

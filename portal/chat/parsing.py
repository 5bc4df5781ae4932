"""Reading what the providers post: Meta's webhook JSON and an SMS gateway's fields. Pure
(no Flask, no database): bytes and mappings in, plain values out, `BadBody` for anything
that is not what the provider documents (the webhook answers 400, storing nothing).

SMS gateways name their fields differently; accepted (first one present wins):
sender `from`, `sender`, `msisdn`, `phone`, `number`, `originator`; text `text`, `message`,
`msg`, `body`, `content`; message id `id`, `message_id`, `messageId`, `sms_id`, `smsid`;
time `timestamp`, `time`, `sent`, `date`, `received`. Without an id the message is known
by a digest of sender, text and the gateway's time (without one: the current minute).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from portal.chat.dialogue import Message
from portal.phone_numbers import msisdn_or_none
from portal.plain_text import has_control

MAX_TEXT = 6000  # characters of one message we read (the dialogue refuses past 5000)

SMS_SENDER = ("from", "sender", "msisdn", "phone", "number", "originator")
SMS_TEXT = ("text", "message", "msg", "body", "content")
SMS_ID = ("id", "message_id", "messageId", "sms_id", "smsid")
SMS_TIME = ("timestamp", "time", "sent", "date", "received")


class BadBody(ValueError):
    """Not a webhook body the provider would send."""


@dataclass(frozen=True)
class Parsed:
    """One inbound message: who, the provider's id, the message, a media id."""

    msisdn: str
    provider_id: str
    message: Message
    media_id: str | None = None


@dataclass(frozen=True)
class StatusReport:
    wamid: str
    status: str
    error: str | None


def _str(value, name: str, limit: int = 256, *, multiline: bool = False) -> str:
    """A string field; ids and numbers never hold control characters (a NUL cannot even be
    stored in PostgreSQL), texts may hold line breaks (the dialogue refuses the rest)."""
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadBody(f"{name}: expected a string")
    if not multiline and has_control(value, multiline=False):
        raise BadBody(f"{name}: control characters")
    return value


def whatsapp(raw: bytes) -> tuple[list[Parsed], list[StatusReport]]:
    """The messages and delivery reports of a `whatsapp_business_account` webhook."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadBody("not JSON") from exc
    if not isinstance(doc, dict) or doc.get("object") != "whatsapp_business_account":
        raise BadBody("not a whatsapp_business_account webhook")
    entries = doc.get("entry")
    if not isinstance(entries, list):
        raise BadBody("entry: expected a list")
    messages: list[Parsed] = []
    statuses: list[StatusReport] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes", []), list):
            raise BadBody("entry: expected objects with changes")
        for change in entry.get("changes", []):
            if not isinstance(change, dict):
                raise BadBody("changes: expected objects")
            value = change.get("value")
            if not isinstance(value, dict):
                raise BadBody("value: expected an object")
            names = _profile_names(value.get("contacts", []))
            for msg in _list(value, "messages"):
                messages.append(_message(msg, names))
            for st in _list(value, "statuses"):
                statuses.append(_status(st))
    return messages, statuses


def _list(value: dict, key: str) -> list:
    items = value.get(key, [])
    if not isinstance(items, list):
        raise BadBody(f"{key}: expected a list")
    return items


def _profile_names(contacts) -> dict[str, str]:
    names: dict[str, str] = {}
    if not isinstance(contacts, list):
        raise BadBody("contacts: expected a list")
    for c in contacts:
        if isinstance(c, dict) and isinstance(c.get("wa_id"), str):
            profile = c.get("profile")
            name = profile.get("name") if isinstance(profile, dict) else None
            if isinstance(name, str) and name.strip() and not has_control(name):
                names[c["wa_id"]] = " ".join(name.split())[:120]
    return names


def _message(msg, names: dict[str, str]) -> Parsed:
    if not isinstance(msg, dict):
        raise BadBody("message: expected an object")
    sender = _str(msg.get("from"), "from", 32)
    # The wa_id is the full international number without its "+" (819012345678 is a
    # Japanese phone, not an Indonesian 0819… without its 0).
    number = msisdn_or_none("+" + sender) if sender.isdigit() else None
    if number is None:
        raise BadBody("from: not a phone number")
    wamid = _str(msg.get("id"), "id", 128)
    kind = msg.get("type")
    profile = names.get(sender)
    media_id = None
    if kind == "text":
        body = msg.get("text")
        text = body.get("body") if isinstance(body, dict) else None
        message = Message(
            _str(text, "text.body", MAX_TEXT * 4, multiline=True)[:MAX_TEXT], "text", None, profile
        )
    elif kind in ("image", "document", "sticker"):
        media = msg.get(kind)
        if not isinstance(media, dict):
            raise BadBody(f"{kind}: expected an object")
        media_id = _str(media.get("id"), f"{kind}.id", 128)
        caption = media.get("caption") if isinstance(media.get("caption"), str) else ""
        message = Message(caption[:MAX_TEXT], "image", None, profile)
    elif kind == "interactive":
        inter = msg.get("interactive")
        if not isinstance(inter, dict):
            raise BadBody("interactive: expected an object")
        reply = inter.get("button_reply") or inter.get("list_reply")
        if not isinstance(reply, dict):
            raise BadBody("interactive: no button_reply or list_reply")
        rid = _str(reply.get("id"), "reply.id", 256)
        title = reply.get("title") if isinstance(reply.get("title"), str) else ""
        message = Message(title[:200], "choice", rid, profile)
    elif kind == "button":
        button = msg.get("button")
        if not isinstance(button, dict):
            raise BadBody("button: expected an object")
        payload = button.get("payload") if isinstance(button.get("payload"), str) else None
        text = button.get("text") if isinstance(button.get("text"), str) else ""
        message = Message(text[:200], "choice", (payload or text)[:256] or None, profile)
    elif isinstance(kind, str) and kind:
        message = Message("", "other", None, profile)  # audio, location, reaction …
    else:
        raise BadBody("type: expected a string")
    return Parsed(number, wamid, message, media_id)


def _status(st) -> StatusReport:
    if not isinstance(st, dict):
        raise BadBody("status: expected an object")
    wamid = _str(st.get("id"), "status.id", 128)
    status = _str(st.get("status"), "status.status", 32)
    error = None
    errors = st.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        parts = [str(first.get("code", "")), str(first.get("title") or first.get("message") or "")]
        error = " ".join(p for p in parts if p)[:500] or None
    return StatusReport(wamid, status, error)


def _first(fields: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def sms(fields: Mapping[str, str], now: datetime) -> Parsed:
    """One SMS from a gateway's fields (query, form or JSON, merged by the view)."""
    sender = _first(fields, SMS_SENDER)
    number = msisdn_or_none(sender) if sender and len(sender) <= 32 else None
    if number is None:
        raise BadBody("from: not a phone number")
    text = _first(fields, SMS_TEXT)
    if text is None:
        raise BadBody("text: missing")
    if len(text) > MAX_TEXT:
        raise BadBody("text: too long")
    given = _first(fields, SMS_ID)
    if given is not None and len(given) <= 100 and not has_control(given, multiline=False):
        provider_id = "id:" + given.strip()
    else:
        at = _first(fields, SMS_TIME) or now.strftime("%Y-%m-%dT%H:%M")
        digest = hashlib.sha256("\x1f".join((number, text, at[:64])).encode()).hexdigest()
        provider_id = "h:" + digest[:40]
    return Parsed(number, provider_id, Message(text, "text"))

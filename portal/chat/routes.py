"""The provider webhooks: `GET/POST /webhook/whatsapp` (Meta's Cloud API) and
`POST /webhook/sms` (an HTTP SMS gateway). Thin: check the signature or secret on the raw
body before reading it, parse (portal.chat.parsing), hand each message to
portal.chat.service and answer quickly (the answers go out through the phone outbox).

No session, no CSRF (providers hold no cookie; the signature is the proof), no per-address
rate limit (every webhook comes from Meta's or the gateway's few addresses; the limit is
per phone number, in the service). 401 for a missing or wrong signature and when no secret
is configured, 400 for a body that is no webhook, 503 when the database or the media API
is away, or when another message of the same number changed the conversation at the same
moment (nothing stored: the provider delivers it again), else 200.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from flask import Blueprint, Response, current_app, request
from sqlalchemy.orm.exc import StaleDataError

from portal.availability.outage import DATABASE_DOWN
from portal.chat import parsing
from portal.chat.media import CloudMedia
from portal.chat.service import Inbound, TemporaryFailure, handle_message
from portal.extensions import csrf, db
from portal.messaging.receipts import record_status
from portal.phone_numbers import masked
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

bp = Blueprint("chat", __name__)
MAX_BODY = 256 * 1024  # Meta's webhook bodies are a few KB; a gateway's SMS far less


def _plain(text: str, status: int, **headers) -> Response:
    return Response(text, status=status, mimetype="text/plain", headers=headers)


def _raw_body() -> bytes | None:
    """The body as sent, or None past MAX_BODY (read no further than that)."""
    length = request.content_length
    if length is not None and length > MAX_BODY:
        return None
    data = request.stream.read(MAX_BODY + 1)
    return None if len(data) > MAX_BODY else data


@bp.get("/webhook/whatsapp")
@csrf.exempt
def whatsapp_verify():
    """Meta's subscription handshake: echo hub.challenge when the verify token matches."""
    expected = current_app.config.get("WHATSAPP_VERIFY_TOKEN") or ""
    mode = request.args.get("hub.mode", "")
    token = request.args.get("hub.verify_token", "")
    challenge = request.args.get("hub.challenge", "")
    ok = (
        bool(expected)
        and mode == "subscribe"
        and hmac.compare_digest(token.encode(), expected.encode())
        and 0 < len(challenge) <= 200
    )
    if not ok:
        return _plain("forbidden", 403)
    return _plain(challenge, 200)


def _signature_ok(raw: bytes) -> bool:
    secret = current_app.config.get("WHATSAPP_APP_SECRET") or ""
    given = request.headers.get("X-Hub-Signature-256", "")
    if not secret or not given.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


@bp.post("/webhook/whatsapp")
@csrf.exempt
def whatsapp_inbound():
    raw = _raw_body()
    if raw is None:
        return _plain("body too large", 400)
    if not _signature_ok(raw):
        return _plain("bad signature", 401)
    try:
        messages, statuses = parsing.whatsapp(raw)
    except parsing.BadBody as exc:
        log.info("whatsapp webhook refused: %s", exc)
        return _plain("bad body", 400)
    config = current_app.config
    media = CloudMedia(
        config["WHATSAPP_API_URL"], config["WHATSAPP_TOKEN"], config["WHATSAPP_TIMEOUT"]
    )
    try:
        for report in statuses:
            record_status("whatsapp", report.wamid, report.status, report.error)
        if statuses:
            db.session.commit()
        for parsed in messages:
            _one("whatsapp", parsed, media)
    except (TemporaryFailure, StaleDataError, *DATABASE_DOWN) as exc:
        db.session.rollback()
        log.warning("whatsapp webhook not handled now (%s); Meta will deliver it again", exc)
        return _plain("try again", 503, **{"Retry-After": "30"})
    return _plain("ok", 200)


def _one(medium: str, parsed: parsing.Parsed, media) -> None:
    inbound = Inbound(medium, parsed.msisdn, parsed.provider_id, parsed.message, parsed.media_id)
    handled = handle_message(inbound, media=media)
    if handled.duplicate:
        log.info("%s message from %s already handled", medium, masked(parsed.msisdn))


def _sms_secret_ok(fields: dict[str, str]) -> bool:
    secret = current_app.config.get("SMS_WEBHOOK_SECRET") or ""
    given = request.headers.get("X-Webhook-Secret") or fields.get("secret") or ""
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def _sms_fields(raw: bytes) -> dict[str, str]:
    """Query, form and JSON fields together (gateways use any of them)."""
    fields: dict[str, str] = {k: v for k, v in request.args.items()}
    ctype = (request.mimetype or "").lower()
    if ctype == "application/json":
        try:
            doc = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError) as exc:
            raise parsing.BadBody("not JSON") from exc
        if not isinstance(doc, dict):
            raise parsing.BadBody("not a JSON object")
        fields.update({str(k): v for k, v in doc.items() if isinstance(v, str | int)})
        fields = {k: str(v) for k, v in fields.items()}
    elif raw:
        from urllib.parse import parse_qsl

        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise parsing.BadBody("not UTF-8") from exc
        fields.update(dict(parse_qsl(text, keep_blank_values=True)))
    return fields


@bp.post("/webhook/sms")
@csrf.exempt
def sms_inbound():
    raw = _raw_body()
    if raw is None:
        return _plain("body too large", 400)
    try:
        fields = _sms_fields(raw)
    except parsing.BadBody:
        fields = None
    if not _sms_secret_ok(fields or {}):
        return _plain("bad secret", 401)
    if fields is None:
        return _plain("bad body", 400)
    try:
        parsed = parsing.sms(fields, utcnow())
    except parsing.BadBody as exc:
        log.info("sms webhook refused: %s", exc)
        return _plain("bad body", 400)
    try:
        _one("sms", parsed, None)
    except (TemporaryFailure, StaleDataError, *DATABASE_DOWN) as exc:
        db.session.rollback()
        log.warning("sms webhook not handled now (%s); the gateway should retry", exc)
        return _plain("try again", 503, **{"Retry-After": "30"})
    return Response(json.dumps({"status": "ok"}), status=200, mimetype="application/json")

"""The WhatsApp Business Cloud API, spoken directly with the standard library (urllib).

Why not pywa: the portal needs two POST shapes (a text or interactive message, a template
message) to one endpoint, and the inbound side is a Flask view of our own. pywa brings its
own webhook framework and an HTTP client (httpx) whose retries and errors we would have
to map back onto the outbox's rules; here the timeout, what counts as unreachable, and
which error codes are final stay in one screenful, tested against a real socket
(tests/chat_peers.py). See docs/outbox.md.

POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages with Bearer WHATSAPP_TOKEN.
Redirects are not followed (a POST turned into a GET would "succeed" without sending).
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal.outbox.outcomes import Outcome, give_up, retry, sent

log = logging.getLogger(__name__)

CONNECTOR = "cloud-api"
BUTTONS_MAX, BUTTON_TITLE_MAX = 3, 20
ROWS_MAX, ROW_TITLE_MAX = 10, 24
INTERACTIVE_BODY_MAX = 1024
TEXT_MAX = 4096
MAX_ERROR = 1000

# Wait and try again: the whole account's rate (the rest of the batch would fare the same,
# so it is held back, no attempt spent) or one recipient's (131056) or spam rate (131048).
ACCOUNT_RATE_LIMITED = frozenset({4, 80007, 130429})
RATE_LIMITED = frozenset({131048, 131056})
TEMPORARY = frozenset({1, 2, 131000, 131016, 133004})  # the service's own trouble
BAD_TOKEN = frozenset({190})  # expired or revoked token: the operator must act
PERMISSION = frozenset({10, 200})
RE_ENGAGEMENT = 131047  # outside the 24-hour window: only a template may go


@dataclass(frozen=True)
class Endpoint:
    """Where and how to post, read from the config once per batch."""

    url: str  # …/messages
    token: str
    timeout: float


@dataclass(frozen=True)
class Answer:
    """What the Cloud API said to one POST (or that it said nothing)."""

    wamid: str | None = None
    status: int | None = None  # HTTP status; None: no answer at all
    code: int | None = None  # the Cloud API's error code
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def reason(self) -> str:
        if self.status is None:
            return f"WhatsApp unreachable: {self.message}"[:MAX_ERROR]
        code = f" (#{self.code})" if self.code is not None else ""
        return f"WhatsApp HTTP {self.status}{code}: {self.message}"[:MAX_ERROR]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def messages_url(api_url: str, phone_number_id: str) -> str:
    return f"{api_url.rstrip('/')}/{phone_number_id}/messages"


def text_message(to: str, text: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": text[:TEXT_MAX], "preview_url": False},
    }


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def interactive_message(
    to: str, text: str, choices: Sequence[tuple[str, str]], list_label: str
) -> dict[str, Any]:
    """Reply buttons for up to 3 choices, a list for up to 10 (titles clipped to what the
    API takes: 20 characters on a button, 24 in a list); a body too long for an
    interactive message, or no choices, is sent as plain text (it says how to answer)."""
    if not choices or len(text) > INTERACTIVE_BODY_MAX:
        return text_message(to, text)
    interactive: dict[str, Any]
    if len(choices) <= BUTTONS_MAX:
        buttons = [
            {"type": "reply", "reply": {"id": cid[:256], "title": _clip(title, BUTTON_TITLE_MAX)}}
            for cid, title in choices
        ]
        interactive = {"type": "button", "body": {"text": text}, "action": {"buttons": buttons}}
    else:
        rows = [
            {"id": cid[:200], "title": _clip(title, ROW_TITLE_MAX)}
            for cid, title in choices[:ROWS_MAX]
        ]
        interactive = {
            "type": "list",
            "body": {"text": text},
            "action": {
                "button": _clip(list_label, BUTTON_TITLE_MAX),
                "sections": [{"rows": rows}],
            },
        }
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": interactive,
    }


def template_message(to: str, name: str, language: str, params: Sequence[str]) -> dict[str, Any]:
    """The approved template with its body parameters ({{1}}, {{2}}, …) in order."""
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
            ],
        },
    }


def _error_of(raw: bytes) -> tuple[int | None, str]:
    try:
        doc = json.loads(raw or b"null")
    except ValueError:
        return None, raw.decode("utf-8", errors="replace").strip()[:MAX_ERROR]
    error = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(error, dict):
        return None, json.dumps(doc)[:MAX_ERROR]
    code = error.get("code")
    message = str(error.get("message") or "")
    details = (error.get("error_data") or {}).get("details") if isinstance(error, dict) else None
    if details:
        message = f"{message} {details}"
    return (code if isinstance(code, int) else None), message[:MAX_ERROR]


def post_message(endpoint: Endpoint, document: dict[str, Any]) -> Answer:
    """One POST; never raises for network or HTTP trouble."""
    if not endpoint.url.lower().startswith(("https://", "http://")):
        return Answer(status=0, message=f"not an http(s) URL: {endpoint.url!r}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        endpoint.url,
        data=json.dumps(document, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Bearer {endpoint.token}",
            "User-Agent": "aduan-langsung-phone/1",
        },
    )
    try:
        with _opener.open(request, timeout=endpoint.timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        try:
            raw = exc.read()
        except (OSError, http.client.HTTPException):
            raw = b""
        code, message = _error_of(raw)
        return Answer(status=exc.code, code=code, message=message or str(exc.reason))
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Answer(message=f"{type(exc).__name__}: {reason}")
    try:
        doc = json.loads(raw or b"{}")
        wamid = doc["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        wamid = None
    return Answer(wamid=str(wamid)[:128] if wamid else None, status=status)


def outcome_of(answer: Answer) -> Outcome:
    """Sent (with the wamid), retried (rate limits, the service's trouble, no answer,
    a bad or expired token) or given up (the message itself was refused).

    A bad token is retried, not given up: it is the operator's to fix (a system user's
    token expired or was revoked), and every message written meanwhile must still go once
    it is; the error is logged loudly each time so it is noticed. Like an account-wide
    rate limit it holds back the rest of the batch (`unreachable`: no attempt spent on
    rows that would be refused the same way).
    """
    if answer.ok:
        return sent(remote_ref=answer.wamid, connector=CONNECTOR)
    if answer.status is None:
        return retry(answer.reason, unreachable=True)
    status, code = answer.status, answer.code
    if status in (401, 403) or code in BAD_TOKEN or code in PERMISSION:
        log.error(
            "WhatsApp refused the portal's credentials (%s): check WHATSAPP_TOKEN and "
            "WHATSAPP_PHONE_NUMBER_ID; messages wait until it is fixed",
            answer.reason,
        )
        return retry(answer.reason, unreachable=True)
    if code in ACCOUNT_RATE_LIMITED or (status == 429 and code not in RATE_LIMITED):
        return retry(answer.reason, unreachable=True)
    if code in RATE_LIMITED or status >= 500 or code in TEMPORARY or status == 408:
        return retry(answer.reason)
    return give_up(answer.reason, connector=CONNECTOR)

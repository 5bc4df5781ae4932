"""An HTTP SMS gateway (playSMS, a Gammu/Kannel front end, a commercial Indonesian SMS API),
spoken with the standard library.

SMS_GATEWAY_URL is a template with {to} and {text}, filled in URL-encoded, and called with
GET; if SMS_GATEWAY_BODY is set, that template (form-encoded) is POSTed to SMS_GATEWAY_URL
instead (placeholders in the URL are filled too). SMS_GATEWAY_TOKEN, when set, goes as
`Authorization: Bearer …`. `{to}` is the canonical number (62812…).

A 2xx answer means the gateway took the part (its id, from a JSON `id` or `message_id`,
is kept); 408/429 and 5xx are retried; any other 4xx is final; no answer at all
(refused, timed out, dropped) is `unreachable`, so the rest of the batch waits.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

CONNECTOR = "gateway"
MAX_ERROR = 1000


@dataclass(frozen=True)
class Gateway:
    url: str
    body: str
    token: str
    timeout: float


@dataclass(frozen=True)
class PartAnswer:
    status: int | None  # None: no answer at all
    ref: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def final(self) -> bool:
        """A refusal retrying cannot change (4xx but 408/429)."""
        status = self.status
        return status is not None and 400 <= status < 500 and status not in (408, 429)

    @property
    def reason(self) -> str:
        if self.status is None:
            return f"SMS gateway unreachable: {self.message}"[:MAX_ERROR]
        return f"SMS gateway HTTP {self.status}: {self.message}".rstrip(": ")[:MAX_ERROR]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fill(template: str, to: str, text: str, *, form: bool = False) -> str:
    """The template with {to} and {text} replaced, URL-encoded (form: spaces as '+')."""
    quote = urllib.parse.quote_plus if form else urllib.parse.quote
    return template.replace("{to}", quote(to, safe="")).replace("{text}", quote(text, safe=""))


def build_request(gateway: Gateway, to: str, text: str) -> urllib.request.Request:
    headers = {"User-Agent": "aduan-langsung-phone/1", "Accept": "application/json"}
    if gateway.token:
        headers["Authorization"] = f"Bearer {gateway.token}"
    url = fill(gateway.url, to, text)
    if gateway.body:
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        data = fill(gateway.body, to, text, form=True).encode("utf-8")
        return urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310
    return urllib.request.Request(url, method="GET", headers=headers)  # noqa: S310


def _ref_of(raw: bytes) -> str | None:
    try:
        doc = json.loads(raw or b"null")
    except ValueError:
        return None
    if isinstance(doc, dict):
        for key in ("id", "message_id", "messageId"):
            if doc.get(key) not in (None, ""):
                return str(doc[key])[:128]
    return None


def send_part(gateway: Gateway, to: str, text: str) -> PartAnswer:
    """Hand one SMS part to the gateway; never raises for network or HTTP trouble."""
    if not gateway.url.lower().startswith(("https://", "http://")):
        return PartAnswer(status=400, message=f"SMS_GATEWAY_URL is not http(s): {gateway.url!r}")
    try:
        with _opener.open(build_request(gateway, to, text), timeout=gateway.timeout) as response:
            return PartAnswer(status=response.status, ref=_ref_of(response.read()))
    except urllib.error.HTTPError as exc:
        try:
            detail = exc.read().decode("utf-8", errors="replace").strip()
        except (OSError, http.client.HTTPException):
            detail = ""
        return PartAnswer(status=exc.code, message=(detail or str(exc.reason))[:MAX_ERROR])
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        return PartAnswer(status=None, message=f"{type(exc).__name__}: {reason}")

"""The HTTP connector: POST one item as JSON to SP4N-LAPOR! and say what the answer means.

Standard library only (urllib): one JSON POST needs no new runtime dependency. Redirects
are not followed: a POST silently turned into a GET would "succeed" without delivering.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any

from portal.outbox.outcomes import Outcome, give_up, retry, sent

RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx
MAX_ERROR = 2000


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx: a wrong NATIONAL_URL


_opener = urllib.request.build_opener(_NoRedirect)


def _body_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").strip()[:MAX_ERROR]


def _remote_ref(raw: bytes) -> str | None:
    """LAPOR!'s own id for the record, when the answer is JSON with an `id`."""
    try:
        answer = json.loads(raw or b"null")
    except ValueError:
        return None
    if isinstance(answer, dict) and answer.get("id") not in (None, ""):
        return str(answer["id"])[:100]
    return None


def post_item(
    url: str, token: str, idempotency_key: str, document: dict[str, Any], timeout: float
) -> Outcome:
    """Deliver one document; never raises for network or HTTP trouble, it classifies it.

    A failure before any answer (refused connection, timeout) is `unreachable`: the worker
    stops the batch there instead of waiting out a timeout for every item.
    """
    if not url.lower().startswith(("https://", "http://")):
        return give_up(f"NATIONAL_URL is not an http(s) URL: {url!r}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url,
        data=json.dumps(document, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": idempotency_key,
            "User-Agent": "aduan-langsung-national-mirror/1",
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read()
            return sent(remote_ref=_remote_ref(raw))
    except urllib.error.HTTPError as exc:
        code = exc.code
        try:
            detail = _body_text(exc.read())
        except (OSError, http.client.HTTPException):
            detail = ""
        error = f"HTTP {code} {exc.reason}: {detail}".rstrip(": ")[:MAX_ERROR]
        if code >= 500 or code in RETRY_STATUSES:
            return retry(error)
        return give_up(error)
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        return retry(f"{type(exc).__name__}: {reason}"[:MAX_ERROR], unreachable=True)

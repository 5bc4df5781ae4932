"""Fetching a photo a citizen sent by WhatsApp, through the Cloud API's media endpoints:
GET {WHATSAPP_API_URL}/{media-id} (Bearer token) answers the file's short-lived URL, type
and size; GET that URL with the same token gives the bytes. The size is checked before and
while reading, so a 100 MB video costs no more than PHOTO_MAX_BYTES + 1 bytes.

A refusal by the API (4xx: an unknown or expired media id) is the citizen's to resend
(`MediaUnavailable`); the network or the API failing (5xx, timeout) is temporary
(`MediaTemporarilyDown`): the webhook answers 503 and Meta delivers it again. So is a
download cut short or slower than 3 x WHATSAPP_TIMEOUT in all.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from portal.complaints.photos import PhotoRejected

DEADLINE = 3  # a whole request (API answer or file) within 3 x WHATSAPP_TIMEOUT


class MediaUnavailable(Exception):
    """The API refused the media id: ask the citizen to send the photo again."""


class MediaTemporarilyDown(Exception):
    """The API could not be reached or failed (5xx): try the whole webhook again later."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the token must not follow a redirect
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class CloudMedia:
    """The Cloud API as a photo source (base URL with version, e.g. …/v21.0)."""

    api_url: str
    token: str
    timeout: float = 10

    def fetch(self, media_id: str, *, max_bytes: int) -> bytes:
        """The photo's bytes; PhotoRejected("too-large"/"not-image") before reading them
        when the API already says so."""
        if not self.token:
            raise MediaUnavailable("no WHATSAPP_TOKEN: media cannot be fetched")
        if not media_id or not media_id.replace("-", "").replace("_", "").isalnum():
            raise MediaUnavailable("malformed media id")
        meta = _json(self._get(f"{self.api_url.rstrip('/')}/{media_id}", 64 * 1024))
        url = meta.get("url")
        if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
            raise MediaUnavailable("the API gave no media URL")
        mime = str(meta.get("mime_type") or "")
        if mime and not mime.lower().startswith("image/"):
            raise PhotoRejected("not-image")
        try:
            size = int(meta.get("file_size") or 0)
        except (TypeError, ValueError):
            size = 0
        if size > max_bytes:
            raise PhotoRejected("too-large")
        data = self._get(url, max_bytes + 1)
        if len(data) > max_bytes:
            raise PhotoRejected("too-large")
        return data

    def _get(self, url: str, limit: int) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - http(s) checked by the caller/config
            url, headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                return _read(response, limit, time.monotonic() + DEADLINE * self.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code == 429:
                raise MediaTemporarilyDown(f"media API answered {exc.code}") from exc
            raise MediaUnavailable(f"media API answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
            raise MediaTemporarilyDown(f"media API unreachable: {exc}") from exc


def _read(response, limit: int, deadline: float) -> bytes:
    """At most `limit` bytes, all of them by `deadline`: the socket timeout bounds each
    read only, and a connection dripping a byte at a time would hold the webhook (and
    its worker) for as long as it liked. A body shorter than its Content-Length is a
    download cut short (temporary), not a broken photo of the citizen's."""
    chunks, size = [], 0
    while size < limit:
        if time.monotonic() > deadline:
            raise MediaTemporarilyDown("media download too slow")
        chunk = response.read1(min(64 * 1024, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    expected = response.headers.get("Content-Length")
    if size < limit and expected and expected.isdigit() and size < int(expected):
        raise MediaTemporarilyDown(f"media download cut short ({size} of {expected} bytes)")
    return data


def _json(raw: bytes) -> dict:
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise MediaUnavailable("media API answered no JSON") from exc
    if not isinstance(doc, dict):
        raise MediaUnavailable("media API answered no JSON object")
    return doc


@dataclass(frozen=True)
class LocalMedia:
    """Photos read from files (the `chat say --photo` demo): the media id is the path."""

    def fetch(self, media_id: str, *, max_bytes: int) -> bytes:
        try:
            with open(media_id, "rb") as f:
                data = f.read(max_bytes + 1)
        except OSError as exc:
            raise MediaUnavailable(str(exc)) from exc
        if len(data) > max_bytes:
            raise PhotoRejected("too-large")
        return data

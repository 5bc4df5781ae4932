"""Real HTTP peers for the WhatsApp and SMS tests, on 127.0.0.1 sockets.

`CloudApi` speaks the parts of the WhatsApp Business Cloud API the portal uses:
`POST /<version>/<phone-number-id>/messages` (text, template and interactive messages,
answered with a `wamid`), `GET /<version>/<media-id>` (the media's URL) and the media
download itself, all behind `Authorization: Bearer <token>`. A test scripts failures per
request (`script`, then `default`): an HTTP status with a Cloud API error body, "drop"
(close without a word) or "hang". `webhook_body` and `sign` build what Meta posts to
`/webhook/whatsapp`, signed as Meta signs it (X-Hub-Signature-256).

`SmsGateway` plays an HTTP SMS gateway (playSMS-like): GET or POST with `to` and `text`
in the URL or the form body, answered with a message id; scripted failures likewise.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "token-uji-whatsapp-0123456789"
PHONE_NUMBER_ID = "109876543210987"
APP_SECRET = "rahasia-aplikasi-uji-0123456789"
VERIFY_TOKEN = "verifikasi-uji-0123"
VERSION = "v21.0"
SMS_SECRET = "rahasia-sms-uji-0123456789"

# Error bodies as the Cloud API sends them (code, HTTP status, message).
ERRORS: dict[str, tuple[int, int, str]] = {
    "template_missing": (132001, 404, "(#132001) Template name does not exist in the translation"),
    "template_params": (132000, 400, "(#132000) Number of parameters does not match"),
    "outside_window": (131047, 400, "(#131047) Re-engagement message"),
    "invalid_number": (131026, 400, "(#131026) Message Undeliverable"),
    "rate_limited": (130429, 429, "(#130429) Rate limit hit"),
    "server_error": (131000, 500, "(#131000) Something went wrong"),
    "bad_token": (190, 401, "Invalid OAuth access token - Cannot parse access token"),
}


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """The X-Hub-Signature-256 header value Meta sends with a webhook body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


_ids = itertools.count(1)


def message_id() -> str:
    return f"wamid.UJI{next(_ids):08d}{int(time.time() * 1000) % 100000:05d}"


def inbound_message(sender: str, kind: str = "text", **content: Any) -> dict:
    """One entry of `messages` in a webhook: text=…, image={id, mime_type, caption},
    button_reply=(id, title), list_reply=(id, title), button=(payload, text)."""
    msg: dict[str, Any] = {
        "from": sender,
        "id": content.pop("id", None) or message_id(),
        "timestamp": str(int(time.time())),
        "type": kind,
    }
    if kind == "text":
        msg["text"] = {"body": content["text"]}
    elif kind == "image":
        msg["image"] = content["image"]
    elif kind == "interactive":
        if "button_reply" in content:
            rid, title = content["button_reply"]
            msg["interactive"] = {
                "type": "button_reply",
                "button_reply": {"id": rid, "title": title},
            }
        else:
            rid, title = content["list_reply"]
            msg["interactive"] = {"type": "list_reply", "list_reply": {"id": rid, "title": title}}
    elif kind == "button":
        payload, text = content["button"]
        msg["button"] = {"payload": payload, "text": text}
    else:
        msg.update(content)
    return msg


def webhook_body(
    messages: list[dict] | None = None,
    statuses: list[dict] | None = None,
    *,
    name: str = "Warga Uji",
    display_number: str = "628115001708",
) -> bytes:
    """A `whatsapp_business_account` webhook body carrying messages and/or statuses."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_number, "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": m["from"]} for m in messages[:1]]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    doc = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA-UJI", "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(doc).encode()


def status_update(wamid: str, recipient: str, status: str, error: tuple[int, str] | None = None):
    entry: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if error is not None:
        entry["errors"] = [{"code": error[0], "title": error[1]}]
    return entry


@dataclass
class Sent:
    to: str
    document: dict
    wamid: str

    @property
    def type(self) -> str:
        return self.document.get("type", "")

    @property
    def text(self) -> str:
        """What the citizen reads: the text body, the template's parameters joined, or an
        interactive message's body and its choices."""
        doc = self.document
        if doc.get("type") == "text":
            return doc["text"]["body"]
        if doc.get("type") == "template":
            params = [
                p.get("text", "")
                for c in doc["template"].get("components", [])
                for p in c.get("parameters", [])
            ]
            return " | ".join(params)
        if doc.get("type") == "interactive":
            inter = doc["interactive"]
            parts = [inter.get("body", {}).get("text", "")]
            action = inter.get("action", {})
            parts += [b["reply"]["title"] for b in action.get("buttons", [])]
            for section in action.get("sections", []):
                parts += [r["title"] for r in section.get("rows", [])]
            return "\n".join(parts)
        return json.dumps(doc)


@dataclass
class _Scripted:
    script: list = field(default_factory=list)
    default: object = 200
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)
    httpd: ThreadingHTTPServer | None = None

    def _next(self):
        with self.lock:
            if self.script:
                return self.script.pop(0)
        return self.default

    def _serve(self, handler) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.release.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


@dataclass
class CloudApi(_Scripted):
    sent: list[Sent] = field(default_factory=list)
    attempts: int = 0
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # id -> (bytes, mime)
    media_requests: int = 0
    # The media download itself: "hold" waits for `download_gate` (a slow CDN; set
    # `download_started` when it begins), "trickle" sends one byte every 0.1 s for up to
    # 10 s then hangs up, "cut" sends half the file and hangs up.
    download: str | None = None
    download_gate: threading.Event = field(default_factory=threading.Event)
    download_started: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        """What WHATSAPP_API_URL is set to (the version included, as the real default)."""
        return f"{self.base}/{VERSION}"

    def add_media(self, data: bytes, mime_type: str = "image/jpeg") -> str:
        media_id = f"{next(_ids):015d}"
        self.media[media_id] = (data, mime_type)
        return media_id

    def to(self, number: str) -> list[Sent]:
        return [s for s in self.sent if s.to == number]

    def start(self) -> CloudApi:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                    return True
                self._error("bad_token")
                return False

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                if not self._authorized():
                    return None
                if path.startswith("/download/"):
                    media_id = path.rsplit("/", 1)[-1]
                    if media_id not in server.media:
                        return self._answer(404, b"not found", "text/plain")
                    data, mime = server.media[media_id]
                    if server.download is not None:
                        return self._slow_download(data, mime)
                    return self._answer(200, data, mime)
                media_id = path.rsplit("/", 1)[-1]
                with server.lock:
                    server.media_requests += 1
                if media_id not in server.media:
                    return self._error_body(100, 400, "(#100) Invalid media id")
                data, mime = server.media[media_id]
                doc = {
                    "messaging_product": "whatsapp",
                    "url": f"{server.base}/download/{media_id}",
                    "mime_type": mime,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "file_size": str(len(data)),
                    "id": media_id,
                }
                return self._json(200, doc)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with server.lock:
                    server.attempts += 1
                if not self._authorized():
                    return None
                if not self.path.startswith(f"/{VERSION}/{PHONE_NUMBER_ID}/messages"):
                    return self._error_body(100, 400, f"(#100) Unknown path {self.path}")
                try:
                    document = json.loads(raw or b"{}")
                except ValueError:
                    return self._error_body(100, 400, "(#100) Invalid JSON")
                behaviour = server._next()
                if behaviour == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return None
                if behaviour == "hang":
                    server.release.wait(30)
                    return None
                if isinstance(behaviour, str):
                    return self._error(behaviour)
                if document.get("messaging_product") != "whatsapp" or "to" not in document:
                    return self._error_body(100, 400, "(#100) Param messaging_product required")
                wamid = message_id()
                with server.lock:
                    server.sent.append(Sent(document["to"], document, wamid))
                return self._json(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": document["to"], "wa_id": document["to"]}],
                        "messages": [{"id": wamid}],
                    },
                )

            def _slow_download(self, data: bytes, mime: str):
                server.download_started.set()
                if server.download == "hold":
                    server.download_gate.wait(30)
                    return self._answer(200, data, mime)
                self.send_response(200)
                self.send_header("Content-Type", mime)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if server.download == "cut":
                    self.wfile.write(data[: len(data) // 2])
                else:  # trickle
                    for i in range(min(len(data), 100)):
                        if server.release.wait(0.1):
                            break
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                self.close_connection = True
                self.connection.close()
                return None

            def _error(self, name: str):
                code, status, message = ERRORS[name]
                return self._error_body(code, status, message)

            def _error_body(self, code: int, status: int, message: str):
                doc = {
                    "error": {
                        "message": message,
                        "type": "OAuthException",
                        "code": code,
                        "fbtrace_id": "AUJI",
                    }
                }
                return self._json(status, doc)

            def _json(self, status: int, doc: dict):
                return self._answer(status, json.dumps(doc).encode(), "application/json")

            def _answer(self, status: int, raw: bytes, content_type: str):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._serve(Handler)
        return self


@dataclass
class SmsRequest:
    method: str
    to: str
    text: str
    params: dict[str, str]


@dataclass
class SmsGateway(_Scripted):
    received: list[SmsRequest] = field(default_factory=list)
    attempts: int = 0

    @property
    def get_template(self) -> str:
        """An SMS_GATEWAY_URL for GET (placeholders in the query)."""
        return f"{self.base}/kirim?user=uji&to={{to}}&text={{text}}"

    @property
    def post_url(self) -> str:
        return f"{self.base}/kirim"

    def to(self, number: str) -> list[SmsRequest]:
        return [r for r in self.received if r.to == number]

    def start(self) -> SmsGateway:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self, params: dict[str, str]):
                with server.lock:
                    server.attempts += 1
                behaviour = server._next()
                if behaviour == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return None
                if behaviour == "hang":
                    server.release.wait(30)
                    return None
                status = int(behaviour)
                if not 200 <= status < 300:
                    return self._answer(status, {"status": "ERR", "error": f"gagal {status}"})
                to = params.get("to", "")
                with server.lock:
                    server.received.append(
                        SmsRequest(self.command, to, params.get("text", ""), params)
                    )
                    ref = f"SMS{len(server.received):06d}"
                return self._answer(200, {"status": "OK", "id": ref})

            def do_GET(self):
                query = urllib.parse.urlsplit(self.path).query
                return self._handle(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = {k: str(v) for k, v in json.loads(raw or "{}").items()}
                else:
                    params = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                return self._handle(params)

            def _answer(self, status: int, doc: dict):
                raw = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._serve(Handler)
        return self

"""The bare baseline for chat: the least a WhatsApp webhook that answers can do.

POST /webhook checks the X-Hub-Signature-256 HMAC, reads the JSON, and for each text
message POSTs one text answer to the Cloud API at once, inside the request (no database,
no outbox, no conversation). bench/chat_reply.py serves it with the same gunicorn
settings as the portal, so the ratio portal/bare shows what storing the message, the
conversation state and the outbox row (and the worker's poll) cost a citizen in waiting.

    gunicorn --pythonpath bench bare_chat:app   (WHATSAPP_API_URL, WHATSAPP_TOKEN,
                                                 WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.request

from flask import Flask, abort, request

app = Flask(__name__)


def _answer(to: str, text: str) -> None:
    url = f"{os.environ['WHATSAPP_API_URL']}/{os.environ['WHATSAPP_PHONE_NUMBER_ID']}/messages"
    body = json.dumps(
        {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": text}}
    ).encode()
    req = urllib.request.Request(  # noqa: S310 - the bench's own local peer
        url,
        data=body,
        headers={
            "Authorization": f"Bearer {os.environ['WHATSAPP_TOKEN']}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        resp.read()


@app.post("/webhook")
def webhook():
    raw = request.get_data()
    secret = os.environ["WHATSAPP_APP_SECRET"].encode()
    expected = "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
        abort(401)
    doc = json.loads(raw)
    for entry in doc.get("entry", []):
        for change in entry.get("changes", []):
            for message in change.get("value", {}).get("messages", []):
                if message.get("type") == "text":
                    _answer(message["from"], "Terima kasih, pesan Anda kami terima.")
    return "", 200


@app.get("/ok")
def ok():
    return "ok"

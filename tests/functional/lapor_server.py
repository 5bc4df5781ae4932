"""A real HTTP server on 127.0.0.1 standing in for SP4N-LAPOR!, scripted per request.

Each request takes the next behaviour from `script` (then `default`): an HTTP status to
answer with, "drop" (close the connection without a word) or "hang" (answer nothing
until the test ends, so the client times out). A `decide` function can choose per
document instead. Only requests answered 2xx are recorded as delivered.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "token-uji-lapor-0123456789"


@dataclass
class Received:
    key: str
    document: dict
    authorization: str


@dataclass
class LaporServer:
    script: list = field(default_factory=list)
    default: object = 201
    decide: Callable[[dict], object] | None = None
    delivered: list[Received] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)  # idempotency keys, every request
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api/laporan"

    def keys(self) -> list[str]:
        return [r.key for r in self.delivered]

    def codes(self) -> list[tuple[str, str]]:
        return [
            (r.document["kode_pelacakan"], r.document["jenis_kejadian"]) for r in self.delivered
        ]

    def _next(self, document: dict):
        with self.lock:
            if self.script:
                return self.script.pop(0)
        if self.decide is not None:
            return self.decide(document)
        return self.default

    def start(self) -> LaporServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                document = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                with server.lock:
                    server.attempts.append(key)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"error": "token tidak sah"})
                behaviour = server._next(document)
                if behaviour == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return None
                if behaviour == "hang":
                    server.release.wait(30)
                    return None
                status = int(behaviour)
                if 200 <= status < 300:
                    with server.lock:
                        server.delivered.append(
                            Received(key, document, self.headers["Authorization"])
                        )
                    return self._answer(status, {"id": f"LAPOR-{len(server.delivered)}"})
                return self._answer(status, {"error": f"ditolak {status}: kode wilayah salah"})

            def _answer(self, status: int, body: dict):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

"""A real HTTP server on 127.0.0.1 playing the photo host a `media_url` points at.

Paths (a test reads `server.requests` to see what was asked, and from where):
  /photo.jpg     a phone JPEG with EXIF GPS, XMP, a comment and an ICC profile
  /photo.png     a PNG
  /fake.jpg      text served as image/jpeg
  /page.html     an HTML page (text/html)
  /big.jpg       Content-Length past the limit (the body is never sent)
  /stream.jpg    no Content-Length, more bytes than the limit
  /drip.jpg      a byte every 0.1 s (a slow-drip server)
  /hang.jpg      headers only after 30 s
  /short.jpg     half the body its Content-Length promises, then hangs up
  /missing.jpg   404
  /to?url=…      302 to the URL given
  /loop/<n>      302 to /loop/<n+1>, forever
  /chain/<n>     302 n more times, then the JPEG
With `start(tls=…)` the same over HTTPS, recording the server name of each handshake.
"""

from __future__ import annotations

import ssl
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

from tests import photo_samples

JPEG = photo_samples.jpeg_with_every_metadata(size=(120, 90))
PNG = photo_samples.encode(Image.new("RGB", (40, 30), (20, 200, 20)), "PNG")
FAKE = b"this is not a photo at all, only text pretending to be one" * 4


@dataclass
class Seen:
    path: str
    host: str
    client: str


@dataclass
class PhotoHost:
    requests: list[Seen] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)  # server names of TLS handshakes
    big_size: int = 10 * 1024 * 1024
    scheme: str = "http"
    release: threading.Event = field(default_factory=threading.Event)
    httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def start(self, tls: tuple[str, str] | None = None) -> PhotoHost:
        """Serve plain HTTP, or HTTPS with `tls` = (certificate file, key file)."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(
                    Seen(self.path, self.headers.get("Host", ""), self.client_address[0])
                )
                parts = urllib.parse.urlsplit(self.path)
                path = parts.path
                if path == "/photo.jpg":
                    return self._answer(200, JPEG, "image/jpeg")
                if path == "/photo.png":
                    return self._answer(200, PNG, "image/png")
                if path == "/fake.jpg":
                    return self._answer(200, FAKE, "image/jpeg")
                if path == "/page.html":
                    return self._answer(200, b"<html>hello</html>", "text/html; charset=utf-8")
                if path == "/big.jpg":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(server.big_size))
                    self.end_headers()
                    server.release.wait(5)
                    return None
                if path == "/stream.jpg":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = JPEG[:1024].ljust(1024, b"\0")
                    try:
                        for _ in range(server.big_size // 1024 + 10):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    self.close_connection = True
                    return None
                if path == "/drip.jpg":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(JPEG)))
                    self.end_headers()
                    try:
                        for i in range(len(JPEG)):
                            if server.release.wait(0.1):
                                break
                            self.wfile.write(JPEG[i : i + 1])
                            self.wfile.flush()
                    except OSError:
                        pass
                    self.close_connection = True
                    return None
                if path == "/hang.jpg":
                    server.release.wait(30)
                    return self._answer(200, JPEG, "image/jpeg")
                if path == "/short.jpg":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(JPEG)))
                    self.end_headers()
                    self.wfile.write(JPEG[: len(JPEG) // 2])
                    self.close_connection = True
                    return None
                if path == "/to":
                    target = urllib.parse.parse_qs(parts.query)["url"][0]
                    return self._redirect(target)
                if path.startswith("/loop/"):
                    n = int(path.rsplit("/", 1)[-1])
                    return self._redirect(f"/loop/{n + 1}")
                if path.startswith("/chain/"):
                    n = int(path.rsplit("/", 1)[-1])
                    if n == 0:
                        return self._answer(200, JPEG, "image/jpeg")
                    return self._redirect(f"/chain/{n - 1}")
                return self._answer(404, b"not found", "text/plain")

            def _redirect(self, target: str):
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _answer(self, status: int, body: bytes, content_type: str):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda _sock, name, _ctx: self.sni.append(name)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

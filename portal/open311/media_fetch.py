"""Fetching a GeoReport `media_url` without letting it reach inside our network.

A client names any URL; fetched naively it could read the cloud's metadata service
(169.254.169.254), a database console on 10.x or the portal itself on 127.0.0.1. So:

- http and https only; the host is resolved once and refused when ANY of its addresses is
  not a public internet address (loopback, private, link-local, reserved, multicast,
  unspecified, an IPv4-mapped private IPv6), unless it lies in the operator's
  OPEN311_MEDIA_ALLOWED_NETWORKS;
- the connection goes to the address that was checked (no second look-up, so a DNS
  answer that changes between check and connect cannot redirect us), with the original
  name in Host and, for https, in SNI and the certificate check;
- at most MAX_REDIRECTS redirects, each target checked the same way;
- PHOTO_MAX_BYTES on Content-Length and while reading; one deadline for the whole fetch
  (look-ups, connects, redirects, a server dripping a byte at a time): a timer closes
  the socket when it passes, so no worker waits longer;
- Content-Type image/*, then the web form's photo pipeline (`process_photo`: re-encoded,
  metadata dropped, fake images refused).

Everything happens before the report is written; a refusal is a `MediaRefused` with a
reason the API quotes ("media_url: …").
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from portal.complaints.photos import PhotoRejected, ProcessedPhoto, process_photo
from portal.intake.report import N_

MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024
USER_AGENT = "AduanLangsung-Open311/1 (+media_url fetch)"

NAT64 = ipaddress.ip_network("64:ff9b::/96")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")  # 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
# Not public, yet `is_global` in the Python this runs on (3.11): IETF protocol addresses
# and the deprecated IPv6 site-local block.
NOT_PUBLIC = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("fec0::/10"))
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# reason -> the message quoted after "media_url: " (translated where shown)
MESSAGES = {
    "unfetchable": N_("Foto tidak dapat diambil dari alamat ini."),
    "bad-url": N_("Alamat foto harus berupa URL http atau https."),
    "refused-address": N_("Alamat ini tidak boleh diambil (bukan alamat internet publik)."),
    "too-many-redirects": N_("Terlalu banyak pengalihan (paling banyak 3)."),
    "too-large": N_("Foto terlalu besar."),
    "not-image": N_("Berkas ini bukan gambar JPEG, PNG, WebP atau HEIC yang dapat dibaca."),
    "too-slow": N_("Pengambilan foto terlalu lama."),
    "too-many-pixels": N_("Resolusi foto terlalu besar."),
}
_PHOTO_REASONS = {"too-large": "too-large", "too-many-pixels": "too-many-pixels"}

# Look-ups run here so a DNS server that never answers costs the deadline, not the worker.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="open311-dns")


class MediaRefused(Exception):
    """The media_url was not taken; `reason` is a key of MESSAGES."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason if reason in MESSAGES else "unfetchable"

    @property
    def message(self) -> str:
        return MESSAGES[self.reason]


@dataclass(frozen=True)
class MediaLimits:
    max_bytes: int
    max_pixels: int
    timeout: float  # seconds for the whole fetch
    allowed_networks: tuple[Network, ...] = ()


def fetch_photo(url: str, limits: MediaLimits) -> ProcessedPhoto:
    """The photo at `url`, checked and re-encoded; MediaRefused says why not."""
    raw = fetch_bytes(url, limits)
    try:
        return process_photo(raw, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
    except PhotoRejected as exc:
        raise MediaRefused(_PHOTO_REASONS.get(exc.reason, "not-image"), exc.reason) from exc


def fetch_bytes(url: str, limits: MediaLimits) -> bytes:
    """The body of an image/* answer at `url` (redirects followed and checked)."""
    deadline = time.monotonic() + limits.timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        target = _Target.of(current)
        address = vetted_address(target.host, target.port, limits.allowed_networks, deadline)
        status, location, body = _get(target, address, limits, deadline)
        if status in REDIRECTS:
            if not location:
                raise MediaRefused("unfetchable", f"redirect {status} without Location")
            current = urljoin(current, location)
            continue
        if body is None:
            raise MediaRefused("unfetchable", f"HTTP {status}")
        return body
    raise MediaRefused("too-many-redirects")


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> _Target:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise MediaRefused("bad-url", str(exc)) from exc
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise MediaRefused("bad-url", scheme)
        if parts.username is not None or parts.password is not None:
            raise MediaRefused("bad-url", "credentials in URL")
        if any(ch.isspace() or not ch.isprintable() for ch in url):
            raise MediaRefused("bad-url", "unprintable characters")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return cls(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def is_refused(address: Address, allowed: Iterable[Network]) -> bool:
    """Not a public internet address, and not in an allowed network."""
    plain = address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            plain = address.ipv4_mapped
        elif address in NAT64:  # a NAT64 gateway would connect to the embedded IPv4
            plain = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        elif address in SIX_TO_FOUR:  # so would a 6to4 relay
            plain = ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
    for network in allowed:
        if plain in network or address in network:
            return False
    if any(plain in network for network in NOT_PUBLIC if network.version == plain.version):
        return True
    return not plain.is_global or plain.is_multicast or plain.is_unspecified or plain.is_reserved


def vetted_address(host: str, port: int, allowed: tuple[Network, ...], deadline: float) -> str:
    """The address to connect to: every address the name has must pass, or none is used."""
    try:
        infos = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(
            timeout=max(0.01, deadline - time.monotonic())
        )
    except FutureTimeout as exc:
        raise MediaRefused("too-slow", "name look-up") from exc
    except (OSError, UnicodeError) as exc:
        raise MediaRefused("unfetchable", f"name look-up: {exc}") from exc
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError as exc:
            raise MediaRefused("refused-address", text) from exc
    return str(first_of_all_allowed(addresses, allowed))


def first_of_all_allowed(addresses: list[Address], allowed: Iterable[Network]) -> Address:
    """The first address, if none is refused: a name that also points inside is refused
    whole, since the next connection (or another client library) might take that one."""
    if not addresses:
        raise MediaRefused("unfetchable", "no address")
    networks = tuple(allowed)
    for address in addresses:
        if is_refused(address, networks):
            raise MediaRefused("refused-address", str(address))
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the vetted address; Host stays the URL's name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Connects to the vetted address; SNI, Host and the certificate check use the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def _get(
    target: _Target, address: str, limits: MediaLimits, deadline: float
) -> tuple[int, str | None, bytes | None]:
    """(status, Location, body of a 200 image answer or None)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise MediaRefused("too-slow")
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    conn = kind(target.host, target.port, address, timeout=remaining)
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(remaining, cut)
    timer.daemon = True
    timer.start()
    try:
        conn.putrequest("GET", target.path, skip_accept_encoding=True)
        conn.putheader("User-Agent", USER_AGENT)
        conn.putheader("Accept", "image/*")
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        status = response.status
        if status in REDIRECTS:
            return status, response.getheader("Location"), None
        if status != 200:
            return status, None, None
        kind_header = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if not kind_header.startswith("image/"):
            raise MediaRefused("not-image", kind_header or "no Content-Type")
        length = (response.getheader("Content-Length") or "").strip()
        if length.isdigit() and int(length) > limits.max_bytes:
            raise MediaRefused("too-large", length)
        return status, None, _read(response, limits.max_bytes, deadline, expired)
    except MediaRefused:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if expired.is_set() or time.monotonic() >= deadline:
            raise MediaRefused("too-slow") from exc
        raise MediaRefused("unfetchable", str(exc)) from exc
    finally:
        timer.cancel()
        conn.close()


def _read(response, limit: int, deadline: float, expired: threading.Event) -> bytes:
    chunks, size = [], 0
    while True:
        if expired.is_set() or time.monotonic() >= deadline:
            raise MediaRefused("too-slow")
        chunk = response.read1(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise MediaRefused("too-large", f"more than {limit} bytes")
        chunks.append(chunk)
    if expired.is_set():
        raise MediaRefused("too-slow")
    expected = response.getheader("Content-Length")
    if expected and expected.strip().isdigit() and size < int(expected):
        raise MediaRefused("unfetchable", f"cut short ({size} of {expected} bytes)")
    return b"".join(chunks)

"""The load process: C virtual citizens, each GETting the form and POSTing it, in a loop.

Runs as its own OS process (bench/run.py starts it), so its CPU is not the server's. Each
virtual user keeps its cookies like a browser, parses the hidden inputs (csrf_token,
submission_key, …) out of the GET's HTML and POSTs them back with the visible fields as
multipart/form-data. Only the POST is timed for throughput and latency; a POST that does
not answer 303 with the expected Location counts as an error.

Plain http.client (one connection per request, as gunicorn's sync workers close it) keeps
the client's own CPU cost low: on a 2-core machine it competes with the server.

Prints one JSON object on stdout. Bounded: stops starting requests after warm-up + seconds,
and every request has a timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any

MAX_ERROR_SAMPLES = 8
# Past this many errors one user has seen, the run is broken anyway: stop everyone rather
# than hammer a dead server until the clock runs out.
MAX_ERRORS_PER_USER = 50


class HiddenInputs(HTMLParser):
    """Collects <input type="hidden" name=… value=…> the way a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        a = dict(attrs)
        if (a.get("type") or "").lower() == "hidden" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden fields of the page, name -> value."""
    parser = HiddenInputs()
    parser.feed(html)
    parser.close()
    return parser.fields


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type, as a browser sends the form.

    The boundary is new for every request, as in browsers: a fixed one would let the
    server's multipart parser reuse a cached regex no real citizen's POST would hit.
    """
    boundary = f"----AduanBench{secrets.token_hex(8)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode("utf-8"), f"multipart/form-data; boundary={boundary}"


@dataclass
class Stats:
    """What one virtual user saw; merged at the end (no locks on the hot path)."""

    post_ms: dict[str, list[float]] = field(
        default_factory=lambda: {"warmup": [], "measured": [], "tail": []}
    )
    get_ms: list[float] = field(default_factory=list)
    ok: dict[str, int] = field(default_factory=lambda: {"warmup": 0, "measured": 0, "tail": 0})
    get_errors: int = 0
    post_errors: int = 0
    errors: list[str] = field(default_factory=list)

    def error(self, kind: str, message: str) -> None:
        if kind == "get":
            self.get_errors += 1
        else:
            self.post_errors += 1
        if len(self.errors) < MAX_ERROR_SAMPLES:
            self.errors.append(f"{kind}: {message}"[:300])


class Citizen:
    """One virtual user with its own cookie jar."""

    def __init__(self, host: str, port: int, path: str, timeout: float, number: int) -> None:
        self.host, self.port, self.path, self.timeout = host, port, path, timeout
        self.number = number
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = {"Accept": "text/html", "Accept-Language": "id"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return resp.status, resp.headers, data

    def run(
        self,
        stats: Stats,
        warm_end: float,
        stop_at: float,
        require: list[str],
        location: re.Pattern[str],
        abort: threading.Event,
    ) -> None:
        n = 0
        while time.monotonic() < stop_at and not abort.is_set():
            if stats.get_errors + stats.post_errors >= MAX_ERRORS_PER_USER:
                abort.set()
                break
            n += 1
            try:
                t0 = time.perf_counter()
                status, _, body = self.request("GET")
                stats.get_ms.append((time.perf_counter() - t0) * 1000)
            except (OSError, http.client.HTTPException) as exc:
                stats.error("get", f"{type(exc).__name__}: {exc}")
                time.sleep(0.05)
                continue
            if status != 200:
                stats.error("get", f"status {status}")
                continue
            fields = hidden_inputs(body.decode("utf-8", "replace"))
            missing = [name for name in require if not fields.get(name)]
            if missing:
                stats.error("get", f"form without hidden {', '.join(missing)}")
                continue
            fields.update(
                classification="complaint",
                title=f"Antrean pendaftaran lambat {self.number}-{n}",
                description=(
                    "Saya menunggu lebih dari tiga jam di loket pendaftaran tanpa "
                    f"kejelasan nomor antrean (uji beban {self.number}-{n})."
                ),
                reporter_name="Warga Uji Beban",
                reporter_phone="0812 3456 7890",
                consent="y",
            )
            payload, content_type = multipart(fields)
            try:
                t0 = time.perf_counter()
                status, headers, _ = self.request("POST", payload, content_type)
                elapsed = (time.perf_counter() - t0) * 1000
            except (OSError, http.client.HTTPException) as exc:
                stats.error("post", f"{type(exc).__name__}: {exc}")
                time.sleep(0.05)
                continue
            done = time.monotonic()
            target = headers.get("Location") or ""
            if status != 303 or not location.search(target):
                stats.error("post", f"status {status}, Location {target!r}")
                continue
            phase = "warmup" if done < warm_end else "measured" if done <= stop_at else "tail"
            stats.ok[phase] += 1
            stats.post_ms[phase].append(elapsed)


def run_load(
    url: str,
    concurrency: int,
    warmup: float,
    seconds: float,
    require: list[str],
    location: str,
    timeout: float,
) -> dict[str, Any]:
    """Drive the form at `url` for warm-up + seconds; return counts and raw POST latencies."""
    match = re.fullmatch(r"http://(127\.0\.0\.1|localhost):(\d+)(/.*)", url)
    if not match:
        raise SystemExit(f"refusing {url!r}: the benchmark only talks to 127.0.0.1")
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    pattern = re.compile(location)
    abort = threading.Event()
    stats = [Stats() for _ in range(concurrency)]
    start = time.monotonic()
    warm_end = start + warmup
    stop_at = warm_end + seconds
    cpu0 = time.process_time()
    threads = [
        threading.Thread(
            target=Citizen(host, port, path, timeout, i).run,
            args=(stats[i], warm_end, stop_at, require, pattern, abort),
            daemon=True,
        )
        for i in range(concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, stop_at - time.monotonic()) + 2 * timeout + 5)
    wall = time.monotonic() - start
    return {
        "concurrency": concurrency,
        "warmup_s": warmup,
        "measured_s": seconds,
        "wall_s": wall,
        "client_cpu_s": time.process_time() - cpu0,
        "stuck_threads": sum(t.is_alive() for t in threads),
        "ok": {p: sum(s.ok[p] for s in stats) for p in ("warmup", "measured", "tail")},
        "post_ms": sorted(x for s in stats for x in s.post_ms["measured"]),
        "get_ms": sorted(x for s in stats for x in s.get_ms),
        "get_errors": sum(s.get_errors for s in stats),
        "post_errors": sum(s.post_errors for s in stats),
        "error_samples": [e for s in stats for e in s.errors][:MAX_ERROR_SAMPLES],
    }


def main() -> None:
    """Command line for bench/run.py; prints the result as JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="form URL, http://127.0.0.1:PORT/…")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--require", action="append", default=[], help="hidden input that must exist")
    p.add_argument("--location", required=True, help="regex the 303 Location must match")
    p.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    a = p.parse_args()
    result = run_load(a.url, a.concurrency, a.warmup, a.seconds, a.require, a.location, a.timeout)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()

"""The citizen's pages on a cheap phone: weight on the wire, and the wait on slow 3G.

    .venv/bin/python bench/citizen_pages.py [--repeats 1] [--record]

Debian's Chromium (through Playwright, the launch arguments of tests/browser/conftest.py)
at a 360 px phone viewport drives a real server this script starts: the portal (gunicorn,
`wsgi:app`) on a temporary SQLite database with the demo data (`flask db upgrade`, `flask
demo seed`), and, in the same run, the bare stack (`bench/bare_citizen.py`: a static page,
a plain multipart form, a bare Flask endpoint that writes the photo and redirects to a
receipt), served by the same gunicorn settings. Both run gthread workers, which stand in
for the nginx of production (it buffers a slow upload; a sync worker would wait on it).

1. Every citizen page (home, each picker level, the report form via /k/<short code>, the
   tracking form, a public case page, a private case page /lacak/<code>?t=…, the search
   page /cari?q=… when it exists): bytes on the wire (CDP `loadingFinished`
   encodedDataLength: headers and body as received) and the requests that went to the
   network, in a fresh context (cold cache) and on a second visit in the same context
   (warm: requests answered from the memory or disk cache do not count). Unthrottled:
   bytes and requests do not depend on the speed.
2. Journeys on an emulated slow-3G phone: Chrome DevTools' "Slow 3G" preset (called "3G"
   since 2024; devtools-frontend front_end/core/sdk/NetworkManager.ts, Slow3GConditions:
   download = upload = 500 kbit/s x 0.8 = 50,000 B/s, latency 400 ms RTT x 5 = 2,000 ms
   per request) through `Network.emulateNetworkConditions`, plus
   `Emulation.setCPUThrottlingRate` 4 (a cheap phone). "Form usable": from the navigation
   to the first contentful paint with the submit button laid out. "Tracking code": from
   the tap on the submit button until the receipt's #tracking-code is painted. Each
   without a photo and with a 4000x3000 JPEG of about 2 MB (gradients and noise, so it
   compresses like a photo), with JavaScript on and off. The bare stack has no script,
   so it is measured once, with JavaScript on. After each photo journey the stored photo
   is read back (width and bytes from the database) with the request's size on the wire,
   so the same run shows what shrinking on the phone (portal/static/upload.js) saves.

The aims of issue 17 are printed as pass/fail lines, never asserted: every citizen page
under 50 KB cold, a warm page in one request, a report with a phone photo under 15 s on
slow 3G. The run fails (exit 1) only when something is broken (a server that does not
start, a journey that never reaches its receipt).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchinfo import git_revision, machine
from run import BIN, ROOT, BenchError, Server, clean_env, free_port, run_checked

RESULTS = ROOT / "bench" / "RESULTS.md"
CHROMIUM = "/usr/bin/chromium"
# tests/browser/conftest.py: the same browser the browser tests drive.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
}
# Chrome DevTools "Slow 3G" (now "3G"): see the module docstring.
SLOW_3G = {
    "offline": False,
    "downloadThroughput": 500 * 1000 / 8 * 0.8,
    "uploadThroughput": 500 * 1000 / 8 * 0.8,
    "latency": 400 * 5,
}
CPU_SLOWDOWN = 4
PHOTO_SIZE = (4000, 3000)
PHOTO_BYTES = 2 * 1000 * 1000
AIM_COLD_KB = 50
AIM_PHOTO_S = 15
JOURNEY_TIMEOUT_MS = 240_000
SUBMIT = "form[enctype='multipart/form-data'] button[type='submit']"
TITLE = "Antrean pendaftaran sangat lama"
DESCRIPTION = "Saya menunggu tiga jam di loket pendaftaran tanpa kejelasan nomor antrean."


def say(message: str) -> None:
    print(f"== {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the photo


def make_photo(path: Path) -> int:
    """A 4000x3000 JPEG of about 2 MB: smooth gradients with sensor-like noise on top,
    at the highest quality that stays under PHOTO_BYTES (a phone's own JPEG)."""
    from PIL import Image

    w, h = PHOTO_SIZE
    small = Image.linear_gradient("L").resize((w // 8, h // 8))
    rough = Image.frombytes("RGB", (w // 40, h // 40), os.urandom((w // 40) * (h // 40) * 3))
    base = Image.merge("RGB", (small, small.rotate(90), small.transpose(Image.FLIP_LEFT_RIGHT)))
    base = Image.blend(base, rough.resize(base.size, Image.Resampling.BICUBIC), 0.5)
    picture = base.resize(PHOTO_SIZE, Image.Resampling.BICUBIC)
    noise = Image.effect_noise(PHOTO_SIZE, 64).convert("RGB")
    picture = Image.blend(picture, noise, 0.14)
    best = b""
    for quality in range(95, 30, -3):
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality)
        best = out.getvalue()
        if len(best) <= PHOTO_BYTES:
            break
    path.write_bytes(best)
    return len(best)


# --------------------------------------------------------------------------- servers


def gunicorn(app_spec: str, port: int) -> list[str]:
    """The same settings for both sides; gthread workers stand in for nginx's buffering."""
    return [
        str(BIN / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4", "-t", "300",
        "-b", f"127.0.0.1:{port}", "--no-control-socket", "--pythonpath", str(ROOT / "bench"),
        app_spec,
    ]  # fmt: skip


SERVER_SETTINGS = "gunicorn {v}, 2 gthread workers x 4 threads, 127.0.0.1, no compression"


@dataclass
class Site:
    """One running server and what the script learnt about it."""

    name: str
    base: str
    server: Server
    env: dict[str, str] = field(default_factory=dict)
    tmp: Path | None = None
    form_path: str = ""
    seed_output: str = ""


def start_portal(tmp: Path) -> Site:
    port = free_port()
    env = clean_env(tmp, port, f"sqlite:///{tmp / 'portal.sqlite3'}")
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    say("portal: db upgrade, demo seed")
    run_checked([*flask, "db", "upgrade"], env, "flask db upgrade")
    seeded = run_checked([*flask, "demo", "seed"], env, "flask demo seed", timeout=300)
    server = Server(gunicorn("wsgi:app", port), env, tmp / "portal.log")
    server.wait_ready(port, "/")
    return Site("portal", f"http://127.0.0.1:{port}", server, env, tmp, seed_output=seeded)


def start_bare(tmp: Path) -> Site:
    port = free_port()
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env["BARE_UPLOAD_FOLDER"] = str(tmp / "bare-uploads")
    server = Server(gunicorn("bare_citizen:app", port), env, tmp / "bare.log")
    server.wait_ready(port, "/r")
    return Site("bare", f"http://127.0.0.1:{port}", server, env, tmp, form_path="/r")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - our own server
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def first_link(html: str, pattern: str) -> list[str]:
    return re.findall(rf'href="({pattern})"', html)


def citizen_pages(site: Site) -> tuple[list[tuple[str, str]], list[str]]:
    """The pages a citizen walks through, found the way a citizen finds them (links from
    the home page down the picker to a service's form); and notes on pages skipped."""
    pages = [("home", "/")]
    _, home = fetch(site.base + "/")
    region = first_link(home, r"/pilih/[^/\"]+")[0]
    pages.append(("picker: region (instansi)", region))
    _, region_html = fetch(site.base + region)
    agency = first_link(region_html, re.escape(region) + r"/[^/\"]+")[0]
    pages.append(("picker: agency (unit)", agency))
    _, agency_html = fetch(site.base + agency)
    form = unit = None
    for candidate in first_link(agency_html, re.escape(agency) + r"/[^/\"]+"):
        _, unit_html = fetch(site.base + candidate)
        services = first_link(unit_html, r"/k/[^\"]+")
        if services:
            unit, form = candidate, services[0]
            break
    if unit is None or form is None:
        raise BenchError(f"no unit with a service under {agency}")
    pages.append(("picker: unit (layanan)", unit))
    pages.append(("report form /k/<short code>", form))
    site.form_path = form
    pages.append(("tracking form", "/lacak"))
    db = sqlite3.connect(site.tmp / "portal.sqlite3")
    try:
        public = db.execute(
            "SELECT tracking_code FROM complaints WHERE confidential = 0 ORDER BY id LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    pages.append(("public case page", f"/lacak/{public[0]}"))
    notes = []
    search = "/cari?q=pendaftaran"
    status, _ = fetch(site.base + search)
    if status == 404:
        notes.append(f"{search}: 404, skipped (no search page in this revision)")
    else:
        pages.append(("search", search))
    return pages, notes


# --------------------------------------------------------------------------- the browser


class Network:
    """CDP Network events of one page: what went to the network, and its bytes."""

    def __init__(self, context, page, *, slow: bool) -> None:
        self.cdp = context.new_cdp_session(page)
        self.sent: dict[str, dict] = {}
        self.cached: set[str] = set()
        self.bytes: dict[str, float] = {}
        self.upload: dict[str, int] = {}
        self.painted_at: float | None = None
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.requestWillBeSentExtraInfo", self._sent_extra)
        self.cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Page.lifecycleEvent", self._lifecycle)
        self.cdp.send("Network.enable")
        self.cdp.send("Page.enable")
        self.cdp.send("Page.setLifecycleEventsEnabled", {"enabled": True})
        if slow:
            self.cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})

    def _sent(self, event: dict) -> None:
        rid = event["requestId"]
        if rid in self.sent:  # a redirect: one more round trip under the same id
            rid = f"{rid}#{len(self.sent)}"
        self.sent[rid] = event["request"]

    def _sent_extra(self, event: dict) -> None:
        headers = {k.lower(): v for k, v in event.get("headers", {}).items()}
        if "content-length" in headers:
            self.upload[event["requestId"]] = int(headers["content-length"])

    def _response(self, event: dict) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            self.cached.add(event["requestId"])

    def _finished(self, event: dict) -> None:
        self.bytes[event["requestId"]] = event["encodedDataLength"]

    def _lifecycle(self, event: dict) -> None:
        if event["name"] == "firstContentfulPaint":
            self.painted_at = time.perf_counter()

    def reset(self) -> None:
        self.sent.clear()
        self.cached.clear()
        self.bytes.clear()
        self.upload.clear()
        self.painted_at = None

    def totals(self) -> tuple[float, int]:
        """(KB received from the network, requests that went to the network)."""
        network = [
            rid
            for rid, request in self.sent.items()
            if rid.split("#")[0] not in self.cached and not is_favicon(request["url"])
        ]
        received = sum(self.bytes.get(rid, 0) for rid in network)
        return received / 1024, len(network)


def is_favicon(url: str) -> bool:
    """Chromium asks for /favicon.ico once per browser, not per page: reported apart."""
    return urlsplit(url).path == "/favicon.ico"


@dataclass
class Weight:
    page: str
    path: str
    status: int
    cold_kb: float
    cold_requests: int
    warm_kb: float
    warm_requests: int
    warm_urls: list[str]


def settle(page) -> None:
    """Until the load event and a short quiet spell, so every loadingFinished has arrived."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)


def weigh(browser, base: str, name: str, path: str) -> Weight:
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        net = Network(context, page, slow=False)
        response = page.goto(base + path)
        settle(page)
        cold_kb, cold_n = net.totals()
        net.reset()
        page.goto(base + path)
        settle(page)
        warm_kb, warm_n = net.totals()
        warm_urls = [
            urlsplit(r["url"]).path
            for rid, r in net.sent.items()
            if rid not in net.cached and not is_favicon(r["url"])
        ]
        status = response.status if response else 0
        return Weight(name, path, status, cold_kb, cold_n, warm_kb, warm_n, warm_urls)
    finally:
        context.close()


@dataclass
class Journey:
    site: str
    javascript: bool
    photo: bool
    ready_s: list[float] = field(default_factory=list)
    code_s: list[float] = field(default_factory=list)
    sent_kb: list[float] = field(default_factory=list)
    stored: str = "–"
    failure: str | None = None


def wait_painted(page, net: Network, selector: str, start: float, timeout_ms: int) -> float:
    """Seconds from `start` until `selector` is visible and the document has painted."""
    page.locator(selector).first.wait_for(state="visible", timeout=timeout_ms)
    seen = time.perf_counter()
    deadline = seen + 30
    while net.painted_at is None and time.perf_counter() < deadline:
        page.wait_for_timeout(10)
    return max(seen, net.painted_at or seen) - start


def fill_portal(page, photo: Path | None) -> None:
    form = page.locator("form[enctype='multipart/form-data']")
    form.locator("input[name='classification'][value='complaint']").check()
    form.locator("[name='title']").fill(TITLE)
    form.locator("[name='description']").fill(DESCRIPTION)
    if photo is not None:
        form.locator("input[name='photos']").set_input_files(photo)
    form.locator("[name='reporter_name']").fill("Siti Aminah")
    form.locator("[name='reporter_email']").fill("warga@example.org")
    form.locator("input[name='consent']").check()


def fill_bare(page, photo: Path | None) -> None:
    page.locator("[name='title']").fill(TITLE)
    page.locator("[name='description']").fill(DESCRIPTION)
    if photo is not None:
        page.locator("input[name='photos']").set_input_files(photo)


def journey(browser, site: Site, javascript: bool, photo: Path | None, result: Journey) -> str:
    """One citizen: open the form on slow 3G, fill it in, send it, wait for the code.
    Returns the receipt's URL."""
    context = browser.new_context(java_script_enabled=javascript, **PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(JOURNEY_TIMEOUT_MS)
        net = Network(context, page, slow=True)
        start = time.perf_counter()
        page.goto(site.base + site.form_path, wait_until="commit")
        button = SUBMIT
        result.ready_s.append(wait_painted(page, net, button, start, JOURNEY_TIMEOUT_MS))
        (fill_portal if site.name == "portal" else fill_bare)(page, photo)
        net.reset()
        start = time.perf_counter()
        page.locator(button).first.click(no_wait_after=True)
        result.code_s.append(wait_painted(page, net, "#tracking-code", start, JOURNEY_TIMEOUT_MS))
        posts = [rid for rid, r in net.sent.items() if r["method"] == "POST"]
        result.sent_kb.append(sum(net.upload.get(rid, 0) for rid in posts) / 1024)
        return page.url
    finally:
        context.close()


def stored_photo(site: Site) -> str:
    """The last photo stored: its size in pixels and bytes."""
    if site.name == "portal":
        db = sqlite3.connect(site.tmp / "portal.sqlite3")
        try:
            row = db.execute(
                "SELECT width, height, byte_size FROM complaint_photos ORDER BY id DESC LIMIT 1"
            ).fetchone()
        finally:
            db.close()
        return f"{row[0]}x{row[1]}, {row[2] / 1024:,.0f} KB" if row else "none stored"
    from PIL import Image

    files = sorted(Path(site.env["BARE_UPLOAD_FOLDER"]).glob("*.jpg"), key=os.path.getmtime)
    if not files:
        return "none stored"
    with Image.open(files[-1]) as image:
        w, h = image.size
    return f"{w}x{h}, {files[-1].stat().st_size / 1024:,.0f} KB"


def private_link(browser, site: Site) -> str:
    """A report filed unthrottled, JS off, for the private case page's URL (without baru=1)."""
    context = browser.new_context(java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto(site.base + site.form_path)
        fill_portal(page, None)
        page.locator(SUBMIT).first.click()
        page.locator("#tracking-code").wait_for()
        url = page.url
    finally:
        context.close()
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if p != "baru=1")
    return f"{parts.path}?{query}"


# --------------------------------------------------------------------------- report


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def report(
    weights: list[Weight],
    bare_weights: list[Weight],
    journeys: list[Journey],
    notes: list[str],
    photo_bytes: int,
    args: argparse.Namespace,
    chromium: str,
) -> str:
    now = datetime.now(UTC)
    down = SLOW_3G["downloadThroughput"]
    lines = [
        f"## {now:%Y-%m-%d %H:%M} UTC `make bench-citizen` (bench/citizen_pages.py, issue 17)",
        "",
        f"- machine: {machine()}; code {git_revision()}",
        f"- browser: {chromium}, Playwright {version('playwright')}, 360x740 CSS px at 2x, "
        "touch, id-ID",
        f"- server: {SERVER_SETTINGS.format(v=version('gunicorn'))}; portal on SQLite with "
        "the demo data (APP_ENV=development)",
        f'- slow 3G: Chrome DevTools\' "Slow 3G" preset ("3G" since 2024): {down:,.0f} B/s '
        f"({down * 8 / 1000:.0f} kbit/s) down and up, {SLOW_3G['latency']:.0f} ms latency per "
        f"request (400 ms RTT x 5), CPU {CPU_SLOWDOWN}x slower (Emulation.setCPUThrottlingRate)",
        f"- photo: {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG, {photo_bytes / 1024:,.0f} KB; "
        f"journeys: median of {args.repeats}, cold cache; the bare pages have no script, so "
        "the bare stack is measured once (JavaScript on) and both portal rows compare with it",
        "",
        "| page | path | status | cold KB | cold requests | warm KB | warm requests |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for w in [*weights, *bare_weights]:
        label = w.page if w in weights else f"bare: {w.page}"
        path = re.sub(r"t=[^&]+", "t=…", w.path)
        lines.append(
            f"| {label} | `{path}` | {w.status} | {w.cold_kb:.1f} | {w.cold_requests} | "
            f"{w.warm_kb:.1f} | {w.warm_requests} |"
        )
    lines += [
        "",
        "| journey on slow 3G, CPU x4 | JS | portal s | bare s | portal / bare | "
        "sent KB (POST) | stored photo |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    bare = {(j.photo): j for j in journeys if j.site == "bare"}
    for j in [j for j in journeys if j.site == "portal"]:
        b = bare.get(j.photo)
        for what, mine, theirs in (
            ("form usable", j.ready_s, b.ready_s if b else []),
            ("tap Kirim → tracking code", j.code_s, b.code_s if b else []),
        ):
            if what == "form usable" and j.photo:
                continue  # the same page as without the photo
            p, q = median(mine), median(theirs)
            ratio = fmt(p / q) if p and q else "–"
            label = (
                what
                if what == "form usable"
                else (f"{what}, {'2 MB photo' if j.photo else 'no photo'}")
            )
            sent = fmt(median(j.sent_kb), 0) if what != "form usable" else ""
            sent_bare = fmt(median(b.sent_kb), 0) if b and what != "form usable" else ""
            stored = (
                f"{j.stored} (bare: {b.stored if b else '–'})"
                if j.photo and what != "form usable"
                else ""
            )
            sent_cell = f"{sent} (bare {sent_bare})" if sent else ""
            state = f" FAILED: {j.failure}" if j.failure else ""
            lines.append(
                f"| {label}{state} | {'on' if j.javascript else 'off'} | {fmt(p)} | {fmt(q)} | "
                f"{ratio} | {sent_cell} | {stored} |"
            )
    lines.append("")
    heavy = max(weights, key=lambda w: w.cold_kb)
    over = [w.page for w in weights if w.cold_kb >= AIM_COLD_KB]
    lines.append(
        f"- aim: every citizen page < {AIM_COLD_KB} KB cold: {'PASS' if not over else 'FAIL'} "
        f"(heaviest: {heavy.page}, {heavy.cold_kb:.1f} KB{'; over: ' + ', '.join(over) if over else ''})"  # noqa: E501
    )
    many = [w for w in weights if w.warm_requests > 1]
    detail = "; ".join(f"{w.page}: {', '.join(w.warm_urls)}" for w in many)
    lines.append(
        f"- aim: a warm page in one request: {'PASS' if not many else 'FAIL'}"
        + (f" ({detail})" if many else " (only the HTML goes to the network)")
    )
    photo_runs = {
        j.javascript: median(j.code_s) for j in journeys if j.site == "portal" and j.photo
    }
    on, off = photo_runs.get(True), photo_runs.get(False)
    verdict = "PASS" if on is not None and on < AIM_PHOTO_S else "FAIL"
    lines.append(
        f"- aim: a report with a 2 MB phone photo < {AIM_PHOTO_S} s on slow 3G (tap to tracking "
        f"code, JavaScript on): {verdict} ({fmt(on)} s; JavaScript off {fmt(off)} s)"
    )
    shrunk = [j for j in journeys if j.site == "portal" and j.photo and j.javascript]
    if shrunk:
        j = shrunk[0]
        sent = median(j.sent_kb) or 0
        lines.append(
            f"- photo shrunk on the phone before upload (JavaScript on): "
            f"{'yes' if sent < photo_bytes / 1024 * 0.8 else 'no'} "
            f"({fmt(sent, 0)} KB sent for a {photo_bytes / 1024:,.0f} KB photo; stored {j.stored})"
        )
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=1, help="journeys per row (median)")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="aduan-bench-citizen-"))
    sites: list[Site] = []
    journeys: list[Journey] = []
    broken = False
    try:
        photo = tmp / "phone-photo.jpg"
        photo_bytes = make_photo(photo)
        portal = start_portal(tmp)
        sites.append(portal)
        bare = start_bare(tmp)
        sites.append(bare)
        pages, notes = citizen_pages(portal)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS, timeout=60_000
            )
            chromium = f"Chromium {browser.version}"
            at = len(pages) - 1 if pages[-1][0] == "search" else len(pages)
            pages.insert(at, ("private case page", private_link(browser, portal)))
            say(f"weighing {len(pages)} portal pages and 3 bare ones")
            weights = [weigh(browser, portal.base, name, path) for name, path in pages]
            bare_weights = [
                weigh(browser, bare.base, name, path)
                for name, path in (("static page", "/"), ("form", "/r"), ("receipt", "/selesai/1"))
            ]
            for site in (portal, bare):
                status, body = fetch(site.base + "/favicon.ico")
                notes.append(
                    f"{site.name} /favicon.ico: {status}, {len(body.encode()) / 1024:.1f} KB body "
                    "(Chromium asks once per browser; not counted in the pages above)"
                )
            plan = [("portal", True), ("portal", False), ("bare", True)]
            for with_photo in (False, True):
                for name, javascript in plan:
                    site = portal if name == "portal" else bare
                    j = Journey(name, javascript, with_photo)
                    for n in range(args.repeats):
                        say(
                            f"{name}, JS {'on' if javascript else 'off'}, "
                            f"{'2 MB photo' if with_photo else 'no photo'}, run {n + 1}"
                        )
                        try:
                            journey(browser, site, javascript, photo if with_photo else None, j)
                        except Exception as exc:  # a timeout or a refused form: say which
                            j.failure = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                            broken = True
                            break
                    if with_photo:
                        j.stored = stored_photo(site)
                    journeys.append(j)
            browser.close()
    except BenchError as exc:
        say(str(exc))
        return 1
    finally:
        for site in sites:
            site.server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    text = report(weights, bare_weights, journeys, notes, photo_bytes, args, chromium)
    print(text)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text + "\n")
        say(f"appended to {RESULTS.relative_to(ROOT)}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`make bench-flood`: what the rate limits let through, and what they cost per request.

In-process (Flask test client, one SQLite file in a temp dir, the migrations run once), for
each storage (memory://, and the local Redis when it answers):

- a flood: 100 identical reports from one browser, one address;
- a varied flood: 100 different reports from one browser;
- a waiting room: 30 citizens, each their own phone and story, behind one address (the
  hospital's Wi-Fi), at the same counter;

all with the default limits, counting 303 (accepted) and 429 (refused), and the rows
actually stored. Then the cost of a request with the limiter on against the same portal
with RATELIMIT_ENABLED off (the bare stack), measured in the same run, in alternating
rounds: an accepted report POST, a refused report POST (the flood's), and a tracking
look-up GET. Figures are printed, never asserted; the run fails only if something is
broken (a stored count that disagrees with the answers).

    .venv/bin/python bench/flood.py [--rounds 3] [--requests 150] [--redis redis://…] [--record]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
sys.path.insert(0, str(ROOT))

from benchinfo import git_revision, machine  # noqa: E402

FLOOD, WAITING_ROOM = 100, 30
QR_KEYS = "B1:bench-signing-key-000000000001"
HUGE = "1000000 per day"  # the cost rounds stay under every limit, yet count like any other
ALL_LIMITS = (
    "RATELIMIT_REPORT_SAME_TEXT",
    "RATELIMIT_REPORT_PER_SESSION",
    "RATELIMIT_REPORT_PER_ADDRESS",
    "RATELIMIT_REPORT_PER_SERVICE_POINT",
    "RATELIMIT_LOOKUP_PER_ADDRESS",
    "RATELIMIT_LOOKUP_MISSES",
)


class _Hidden(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""


def report(i: int | None) -> dict[str, str]:
    """A valid report; `i` makes it someone's own story, None the flood's one text."""
    story = "" if i is None else f" (pasien {i}, menunggu {i + 1} jam)"
    return {
        "classification": "complaint",
        "title": "Antrean pendaftaran sangat lama" + story,
        "description": "Saya menunggu tiga jam di loket pendaftaran tanpa kejelasan." + story,
        "reporter_name": "Siti Aminah",
        "reporter_phone": "0812 3456 7890",
        "consent": "y",
    }


class Bench:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.base_env = {
            "APP_ENV": "testing",
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-000",
            "QR_SIGNING_KEYS": QR_KEYS,
            "PUBLIC_BASE_URL": "http://localhost",
            "DATABASE_URL": f"sqlite:///{tmp / 'flood.sqlite3'}",
            "INSTANCE_PATH": str(tmp),
            "UPLOAD_FOLDER": str(tmp / "uploads"),
        }
        self.prefixes: list[str] = []
        from flask_migrate import upgrade

        app = self.app(enabled=False)
        with app.app_context():
            upgrade()
            from portal.routing.active import get_router
            from qr.payload import ServiceRef, encode

            get_router()
            self.url = "/q/" + encode(
                ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), app.config["QR_SIGNING_KEYS"]
            )

    def app(self, *, enabled: bool, storage: str = "memory://", **limits: str):
        from portal import create_app

        prefix = f"bench-{uuid.uuid4().hex}"
        self.prefixes.append(prefix)
        env = {
            **self.base_env,
            "RATELIMIT_ENABLED": "1" if enabled else "0",
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
            **limits,
        }
        return create_app(environ=env)

    def stored(self) -> int:
        import sqlite3

        with sqlite3.connect(self.tmp / "flood.sqlite3") as conn:
            return conn.execute("SELECT count(*) FROM complaints").fetchone()[0]

    def post(self, client, i: int | None, *, timed: list[float] | None = None) -> int:
        """GET the form (untimed), POST it (timed into `timed`); the POST's status."""
        page = client.get(self.url)
        parser = _Hidden()
        parser.feed(page.get_data(as_text=True))
        data = {**parser.fields, **report(i)}
        started = time.perf_counter()
        status = client.post(self.url, data=data, content_type="multipart/form-data").status_code
        if timed is not None:
            timed.append(time.perf_counter() - started)
        return status

    # ------------------------------------------------------------------ scenarios

    def scenarios(self, storage: str) -> list[tuple[str, int, int, int]]:
        """(scenario, accepted, refused, stored) with the default limits."""
        found = []
        for name, run in (
            ("flood: 100 identical, one browser", self._flood_same),
            ("flood: 100 varied, one browser", self._flood_varied),
            ("waiting room: 30 people, one address", self._waiting_room),
        ):
            app = self.app(enabled=True, storage=storage)
            before = self.stored()
            answers = run(app)
            stored = self.stored() - before
            accepted, refused = answers.count(303), answers.count(429)
            if accepted != stored or accepted + refused != len(answers):
                raise SystemExit(f"{name}: answers {answers} disagree with {stored} stored")
            found.append((name, accepted, refused, stored))
        return found

    def _flood_same(self, app) -> list[int]:
        client = app.test_client()
        return [self.post(client, None) for _ in range(FLOOD)]

    def _flood_varied(self, app) -> list[int]:
        client = app.test_client()
        return [self.post(client, 1000 + i) for i in range(FLOOD)]

    def _waiting_room(self, app) -> list[int]:
        return [self.post(app.test_client(), 2000 + i) for i in range(WAITING_ROOM)]

    # ------------------------------------------------------------------ cost

    def cost(self, storage: str, rounds: int, requests: int) -> dict[str, dict[str, float]]:
        """Median ms per request, limiter off vs on, in alternating rounds."""
        samples: dict[str, dict[str, list[float]]] = {}
        roomy = dict.fromkeys(ALL_LIMITS, HUGE)
        off = self.app(enabled=False)
        on = self.app(enabled=True, storage=storage, **roomy)
        tight = self.app(enabled=True, storage=storage)  # default limits: the flood is refused
        flood_client = tight.test_client()
        for _ in range(3):  # spend the same-text budget first
            self.post(flood_client, None)
        for r in range(rounds):
            order = (("off", off), ("on", on)) if r % 2 == 0 else (("on", on), ("off", off))
            for side, app in order:
                row = samples.setdefault(side, {})
                client = app.test_client()
                accepted = row.setdefault("accepted report POST", [])
                for i in range(requests):
                    client = app.test_client() if i % 4 == 0 else client  # stay a browser
                    self.post(client, 10_000 * (r + 1) + i, timed=accepted)
                look = row.setdefault("tracking look-up GET", [])
                for i in range(requests):
                    started = time.perf_counter()
                    client.get(f"/lacak/KSL-{i % 10}AAAAA")
                    look.append(time.perf_counter() - started)
            refused = samples.setdefault("refused", {}).setdefault("refused flood POST", [])
            for _ in range(requests):
                status = self.post(flood_client, None, timed=refused)
                if status != 429:
                    raise SystemExit(f"the flood was not refused (answer {status})")
        return {
            side: {what: statistics.median(values) * 1000 for what, values in row.items()}
            for side, row in samples.items()
        }

    def forget(self, storage: str) -> None:
        if not storage.startswith("redis"):
            return
        import redis

        client = redis.Redis.from_url(storage)
        for prefix in self.prefixes:
            for key in client.scan_iter(match=f"*{prefix}*"):
                client.delete(key)


def redis_or_none(url: str) -> str | None:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure: no Redis here
        print(f"(Redis at {url} does not answer: {exc}; its rows are left out)")
        return None
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=150, help="per side and round")
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    storages = ["memory://"]
    if redis_or_none(args.redis):
        storages.append(args.redis)

    with tempfile.TemporaryDirectory(prefix="aduan-flood-") as tmp:
        bench = Bench(Path(tmp))
        outcome, cost = {}, {}
        try:
            for storage in storages:
                outcome[storage] = bench.scenarios(storage)
                cost[storage] = bench.cost(storage, args.rounds, args.requests)
        finally:
            for storage in storages:
                bench.forget(storage)

    lines = [
        f"## bench-flood, {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"{machine()}; code {git_revision()}. Default limits (RATELIMIT_* unset); in-process, "
        "Flask test client, SQLite.",
        "",
        "| storage | scenario | accepted (303) | refused (429) | stored |",
        "|---|---|---:|---:|---:|",
    ]
    for storage, rows in outcome.items():
        for name, accepted, refused, stored in rows:
            lines.append(f"| {_name(storage)} | {name} | {accepted} | {refused} | {stored} |")
    lines += [
        "",
        f"Median ms per request ({args.rounds} rounds × {args.requests} requests a side, "
        "alternating; 'off' is the same portal with RATELIMIT_ENABLED=0, the bare stack).",
        "",
        "| storage | request | limiter off | limiter on | on − off |",
        "|---|---|---:|---:|---:|",
    ]
    for storage, sides in cost.items():
        for what in ("accepted report POST", "tracking look-up GET"):
            off, on = sides["off"][what], sides["on"][what]
            lines.append(f"| {_name(storage)} | {what} | {off:.2f} | {on:.2f} | {on - off:+.2f} |")
        refused = sides["refused"]["refused flood POST"]
        accepted_off = sides["off"]["accepted report POST"]
        lines.append(
            f"| {_name(storage)} | refused flood POST (429, nothing stored) | "
            f"{accepted_off:.2f} (an accepted one) | {refused:.2f} | "
            f"{refused - accepted_off:+.2f} |"
        )
    table = "\n".join(lines) + "\n"
    print("\n" + table)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + table)
        print(f"appended to {RESULTS.relative_to(ROOT)}")


def _name(storage: str) -> str:
    return re.sub(r"//[^@/]*@", "//", storage)  # never print a password


if __name__ == "__main__":
    main()

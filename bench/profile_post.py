"""Where a portal submission spends its time: cProfile of the form GET and the POST.

No gunicorn and no sockets, so what remains is the portal's own work (plus Flask's). Uses
the same kind of clean environment as bench/run.py (temp dir, SQLite unless --db).

    .venv/bin/python bench/profile_post.py [-n 300] [--top 35] [--only POST] [--db …]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.test import TestResponse

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]
WARM = 20

from load import hidden_inputs  # noqa: E402
from run import AGENCY, SERVICE, UNIT, Database, clean_env  # noqa: E402


def profile(n: int, top: int, db_url: str, only: str | None = None) -> str:
    """Profile n submissions; GET and POST stats apart, sorted by cumulative time."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from qr.payload import ServiceRef, encode

    tmp = Path(tempfile.mkdtemp(prefix="aduan-profile-"))
    database = Database(db_url)
    try:
        env = clean_env(tmp, 5000, database.prepare("profile", tmp))
        app = create_app(environ=env)
        with app.app_context():
            upgrade()
            payload = encode(ServiceRef(AGENCY, UNIT, SERVICE), app.config["QR_SIGNING_KEYS"])
            db.session.remove()
        path = f"/q/{payload}"
        client = app.test_client()
        profilers = {"GET": cProfile.Profile(), "POST": cProfile.Profile()}
        # wall ms per request: plain (no profiler, what the server really pays) and profiled
        spent = {(m, p): 0.0 for m in ("GET", "POST") for p in (False, True)}

        def timed(method: str, profiled: bool, counted: bool, **kw: object) -> TestResponse:
            t0 = time.perf_counter()
            if profiled:
                profilers[method].enable()
            resp = client.open(path, method=method, **kw)
            if profiled:
                profilers[method].disable()
            if counted:
                spent[method, profiled] += time.perf_counter() - t0
            return resp

        # First WARM rounds fill caches (not counted), then n plain rounds, then n profiled.
        for i in range(WARM + 2 * n):
            profiled, counted = i >= WARM + n, i >= WARM
            page = timed("GET", profiled, counted)
            fields = hidden_inputs(page.get_data(as_text=True))
            fields.update(
                classification="complaint",
                title=f"Antrean pendaftaran lambat {i}",
                description="Saya menunggu lebih dari tiga jam di loket pendaftaran.",
                reporter_name="Warga Uji Beban",
                reporter_phone="0812 3456 7890",
                consent="y",
            )
            resp = timed("POST", profiled, counted, data=fields, content_type="multipart/form-data")
            if resp.status_code != 303:
                raise SystemExit(f"POST answered {resp.status_code}, not 303")
        out = io.StringIO()
        for profiled in (False, True):
            label = "under the profiler" if profiled else "plain (no profiler)"
            out.write(
                f"{n} submissions in-process, {label}: "
                f"GET {spent['GET', profiled] * 1000 / n:.2f} ms, "
                f"POST {spent['POST', profiled] * 1000 / n:.2f} ms each\n"
            )
        for method in (only,) if only else ("GET", "POST"):
            out.write(f"\n===== {method} {path[:40]}…\n")
            stats = pstats.Stats(profilers[method], stream=out)
            stats.strip_dirs().sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
                top
            )
        return out.getvalue()
    finally:
        database.cleanup("profile")
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """Command line; prints the profile."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=300, help="profiled submissions")
    p.add_argument("--top", type=int, default=35, help="rows of the profile to print")
    p.add_argument("--only", choices=["GET", "POST"], help="print one profile only")
    p.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL") or "sqlite")
    a = p.parse_args()
    print(profile(a.n, a.top, a.db, a.only))


if __name__ == "__main__":
    main()

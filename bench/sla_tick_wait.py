"""How long a citizen's submission waits while `sla tick` marks thousands of cases (SQLite).

Seeds N running cases past their verification deadline (bulk insert), then runs the real
`flask --app wsgi sla tick` in a subprocess while this process files reports through the
app (the QR form, one after another, each GET + POST through the test client) for as long
as the tick runs. Prints the slowest and the typical POST during the tick next to the same
figures without a tick, and every error ("database is locked"). Reported, never asserted.

    .venv/bin/python bench/sla_tick_wait.py [--cases 10000] [--code DIR]

--code: another checkout to measure (e.g. the commit before a change, from `git archive`);
its `tests/` must hold tests/bulk_cases.py (copy it there).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    code = args.code.resolve()
    sys.path[:] = [str(code)] + [p for p in sys.path if not p.endswith("bench")]

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from portal import create_app
    from portal.complaints.models import Complaint
    from portal.extensions import db
    from portal.timeutil import utcnow
    from qr.payload import ServiceRef, encode
    from tests.bulk_cases import overdue_cases
    from tests.conftest import TEST_QR_KEYS
    from tests.helpers import post_report

    tmp = Path(tempfile.mkdtemp(prefix="aduan-tick-"))
    env = {
        "APP_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-000",
        "QR_SIGNING_KEYS": TEST_QR_KEYS,
        "PUBLIC_BASE_URL": "http://localhost",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "INSTANCE_PATH": str(tmp),
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "RATELIMIT_ENABLED": "0",
    }
    app = create_app(environ=env)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a "database is locked" is a 500, as live
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        overdue_cases(args.cases, (utcnow() - timedelta(days=40)).date())
        print(f"seeded {args.cases} overdue cases in {time.perf_counter() - started:.1f} s")
        counter = ServiceRef("rsud-ulin", "poli-umum", "pendaftaran")
        url = f"/q/{encode(counter, app.config['QR_SIGNING_KEYS'])}"
        client = app.test_client()

        def submit() -> tuple[float, int | str]:
            begun = time.perf_counter()
            try:
                status: int | str = post_report(client, url).status_code
            except Exception as exc:  # the test client re-raises what a live server logs
                db.session.rollback()
                status = " ".join(str(getattr(exc, "orig", exc)).split())[:60]
            return time.perf_counter() - begun, status

        idle = [submit()[0] for _ in range(20)]
        tick = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "sla", "tick"],
            cwd=code,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        tick_started = time.perf_counter()
        during: list[float] = []
        errors: dict[int | str, int] = {}
        while tick.poll() is None:
            seconds, status = submit()
            during.append(seconds)
            if status != 303:
                errors[status] = errors.get(status, 0) + 1
        tick_seconds = time.perf_counter() - tick_started
        output = tick.stdout.read().strip()
        marked = db.session.scalar(
            select(func.count()).select_from(Complaint).where(Complaint.sla_state == "overdue")
        )

    print(f"code: {code}")
    print(f"tick: {tick_seconds:.1f} s, exit {tick.returncode}: {output.splitlines()[-1:]}")
    print(f"cases marked overdue: {marked} of {args.cases}")
    print(
        f"without a tick: {len(idle)} submissions, median {statistics.median(idle) * 1000:.0f} ms, "
        f"slowest {max(idle) * 1000:.0f} ms"
    )
    if during:
        print(
            f"during the tick: {len(during)} submissions, "
            f"median {statistics.median(during) * 1000:.0f} ms, "
            f"slowest {max(during) * 1000:.0f} ms, errors {errors or 'none'}"
        )


if __name__ == "__main__":
    main()

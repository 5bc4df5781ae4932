"""Backup and restore: wall time and size for a portal of N cases, each with a photo.

Seeds N cases (tests/factories.py, one event and one stored photo of --photo-kb random
bytes each, what a re-encoded phone photo weighs) into a fresh database, then runs the
real commands as an operator would, each in its own process:

    flask --app wsgi backup -o DIR            (a folder)
    flask --app wsgi backup -o DIR --archive  (one .tar.gz)
    flask --app wsgi restore FOLDER           (into an empty database and upload folder)

    .venv/bin/python bench/backup.py [--cases 5000] [--photo-kb 300]
    .venv/bin/python bench/backup.py --source-url postgresql://root@localhost/SRC \\
        --target-url postgresql://root@localhost/DST      (both created and dropped)

Figures are reported, never asserted in a test.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.benchinfo import git_revision, machine  # noqa: E402

FLASK = str(ROOT / ".venv" / "bin" / "flask")


def _recreate(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()


def _drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
    admin.dispose()


def _environ(folder: Path, url: str | None) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-000000",
        "QR_SIGNING_KEYS": "B1:bench-signing-key-0000000001",
        "INSTANCE_PATH": str(folder),
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "DATABASE_URL": url or f"sqlite:///{folder / 'aduan.sqlite3'}",
    }


def seed(env: dict[str, str], cases: int, photo_bytes: int) -> None:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.complaints.models import Event, Photo
    from portal.complaints.storage import save_blob
    from portal.extensions import db
    from tests.factories import stored_complaint

    app = create_app(environ=env)
    with app.app_context():
        upgrade()
        folder = app.config["UPLOAD_FOLDER"]
        for n in range(cases):
            data = b"\xff\xd8\xff" + os.urandom(photo_bytes - 3)
            case = stored_complaint(title=f"Kasus bench {n}", commit=False)
            case.events.append(Event(kind="note", public=False, note="catatan"))
            case.photos.append(
                Photo(
                    storage_key=save_blob(folder, data),
                    content_type="image/jpeg",
                    width=2048,
                    height=1536,
                    byte_size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
            )
            if n % 500 == 499:
                db.session.commit()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    run = subprocess.run(
        [FLASK, "--app", "wsgi", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{run.stdout}\n{run.stderr}")
    return elapsed, run.stdout


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--photo-kb", type=int, default=300)
    parser.add_argument("--source-url", help="PostgreSQL database to seed (recreated)")
    parser.add_argument("--target-url", help="PostgreSQL database to restore into (recreated)")
    args = parser.parse_args()
    if bool(args.source_url) != bool(args.target_url):
        parser.error("--source-url and --target-url go together")

    with tempfile.TemporaryDirectory(prefix="aduan-bench-backup-") as tmp:
        tmp_path = Path(tmp)
        for url in (args.source_url, args.target_url):
            if url:
                _recreate(url)
        try:
            source = _environ(tmp_path / "source", args.source_url)
            target = _environ(tmp_path / "target", args.target_url)
            started = time.perf_counter()
            seed(source, args.cases, args.photo_kb * 1024)
            seeded = time.perf_counter() - started
            out = tmp_path / "backups"
            folder_s, _ = timed(["backup", "-o", str(out / "folder")], source)
            (made,) = (out / "folder").iterdir()
            archive_s, _ = timed(["backup", "-o", str(out / "archive"), "--archive"], source)
            (packed,) = (out / "archive").iterdir()
            restore_s, summary = timed(["restore", str(made)], target)
            startup_s, _ = timed(["backup", "--help"], source)
            rows = [
                ("baseline: app start-up alone (`backup --help`)", startup_s, 0),
                ("backup (folder)", folder_s, size_of(made)),
                ("backup --archive (.tar.gz)", archive_s, size_of(packed)),
                ("restore (folder, empty target)", restore_s, size_of(tmp_path / "target")),
            ]
        finally:
            for url in (args.source_url, args.target_url):
                if url:
                    _drop(url)
    engine = "PostgreSQL" if args.source_url else "SQLite"
    print(f"## Backup and restore: {args.cases} cases, one {args.photo_kb} KB photo each, {engine}")
    print(f"{machine()}; {git_revision()}; seeding took {seeded:.1f} s")
    print()
    print("| step | wall time | size |")
    print("|---|---:|---:|")
    for name, seconds, size in rows:
        shown = f"{size / 1e6:.1f} MB" if size else "—"
        print(f"| {name} | {seconds:.1f} s | {shown} |")
    print()
    print(summary.strip().splitlines()[1].strip())


if __name__ == "__main__":
    main()

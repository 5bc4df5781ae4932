"""What staff sign-in, the account list and the audit trail cost, next to a bare Flask +
SQLAlchemy stack on the same database, measured in one run.

    .venv/bin/python bench/accounts.py [--accounts 2000] [--entries 100000] [--repeat 40] [--db URL]

One process, the Flask test client, the real app: a temporary SQLite file or, with --db,
that database (schema by the migrations; every table dropped afterwards: give it a scratch
database). Seeded: `--accounts` officers of Kalimantan Selatan and `--entries` audit
entries spread over both regions and 90 days. Rows:

- sign-in, password only: GET the form, POST e-mail + password (CSRF, throttle, the hash
  check, the audit entry, the session). Bare: a Flask view reading the hash with
  SQLAlchemy Core and checking it with the same werkzeug method, then setting a session.
- sign-in with 2FA: the same plus POST of the TOTP code (the step stored once); each try
  uses another account, since a code is good once.
- the account list, page 1 (regional admin) and the audit trail, page 1 (regional admin,
  the region's entries among all); bare: the same SELECT of one page in SQLAlchemy Core,
  answered as JSON.
- the audit CSV of the last 7 days of the region.

The password hash is werkzeug's default (scrypt), as in production, on both sides: the
sign-in rows are mostly that hash, by design. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp
from benchinfo import git_revision, machine
from flask import Flask, g, jsonify, request, session
from sqlalchemy import MetaData, create_engine, insert, text
from werkzeug.security import check_password_hash, generate_password_hash

from portal import create_app
from portal.accounts import totp
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.timeutil import utcnow

SECRET = "bench-secret-key-that-is-long-enough-0001"
PASSWORD = "bench-kata-sandi-123"
PAGE = 50
CSRF = re.compile(
    rb'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def _csrf(html: bytes) -> str:
    found = CSRF.search(html)
    assert found, html[:300]
    return (found.group(1) or found.group(2)).decode()


def _seed(accounts: int, entries: int, hashed: str) -> None:
    now = utcnow()
    rows = [
        dict(
            email=f"petugas{i:05d}@example.org",
            password_hash=hashed,
            role="unit-officer" if i % 2 else "agency-officer",
            region_id="kalsel",
            agency_id="rsud-ulin",
            unit_id="poli-umum" if i % 2 else None,
            active=True,
            created_at=now,
            session_generation=0,
            locale="id",
            notices_off="",
        )
        for i in range(accounts)
    ]
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(User), rows[start : start + 1000])
    batch = []
    for i in range(entries):
        region = "kalsel" if i % 3 else "hst"
        batch.append(
            dict(
                at=now - timedelta(seconds=i * 77),
                actor_email=f"petugas{i % 997:05d}@example.org",
                address="10.0.0.1",
                action="sign_in.ok" if i % 5 else "sign_in.failed",
                target_kind="user",
                target_label=f"petugas{i % 997:05d}@example.org",
                region_id=region,
                detail_json="{}",
            )
        )
        if len(batch) == 5000:
            db.session.execute(insert(AuditEntry), batch)
            batch = []
    if batch:
        db.session.execute(insert(AuditEntry), batch)
    db.session.commit()


def _bare_app(url: str) -> Flask:
    """The floor: SQLAlchemy Core on the same tables, no checks, no templates."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    bare = Flask("bare")
    bare.secret_key = SECRET

    @bare.post("/login")
    def login():
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT id, password_hash FROM users WHERE lower(email) = :e"),
                {"e": request.form["email"].lower()},
            ).first()
        if found is None or not check_password_hash(found.password_hash, request.form["password"]):
            return "no", 401
        session["uid"] = found.id
        return "", 302

    @bare.get("/users")
    def users():
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT email, role, agency_id, unit_id, active FROM users "
                    "WHERE region_id = :r ORDER BY email LIMIT :n"
                ),
                {"r": "kalsel", "n": PAGE},
            ).all()
        return jsonify([list(map(str, r)) for r in rows])

    @bare.get("/audit")
    def audit():
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT at, actor_email, address, action, target_label FROM audit_log "
                    "WHERE region_id = :r ORDER BY at DESC, id DESC LIMIT :n"
                ),
                {"r": "kalsel", "n": PAGE},
            ).all()
        return jsonify([list(map(str, r)) for r in rows])

    return bare


def _timed(call, repeat: int, ok=(200, 302)) -> list[float]:
    took = []
    for i in range(repeat):
        start = time.perf_counter()
        answer = call(i)
        answer.get_data()  # a streamed answer (the CSV) is only made while it is read
        took.append((time.perf_counter() - start) * 1000)
        answer.close()
        assert answer.status_code in ok, (answer.status_code, answer.get_data()[:400])
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db", default=None)
    args = parser.parse_args(argv)
    from flask_migrate import upgrade

    rows: list[tuple[str, list[float], list[float] | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.sqlite3"
        env = {
            "APP_ENV": "testing",
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": tmp,
            "UPLOAD_FOLDER": f"{tmp}/uploads",
            "DATABASE_URL": url,
            "PUBLIC_BASE_URL": "http://localhost",
            "RATELIMIT_ENABLED": "0",
            "ROUTING_RELOAD_SECONDS": "1",
        }
        app = create_app(environ=env)

        @app.teardown_request
        def _forget_request_globals(exc):
            g.__dict__.clear()

        with app.app_context():
            upgrade()
            try:
                hashed = generate_password_hash(PASSWORD)
                _seed(args.accounts, args.entries, hashed)
                admin = User(
                    email="admin.kalsel@example.org",
                    password_hash=hashed,
                    role="regional-admin",
                    region_id="kalsel",
                )
                db.session.add(admin)
                secrets_by_email = {}
                for i in range(args.repeat):
                    email = f"dua{i:03d}@example.org"
                    secret = pyotp.random_base32()
                    secrets_by_email[email] = secret
                    db.session.add(
                        User(
                            email=email,
                            password_hash=hashed,
                            role="unit-officer",
                            region_id="kalsel",
                            agency_id="rsud-ulin",
                            unit_id="poli-umum",
                            totp_secret=totp.seal(SECRET, secret),
                            totp_confirmed_at=utcnow(),
                        )
                    )
                db.session.commit()
                bare = _bare_app(url).test_client()

                def portal_sign_in(i, email=None):
                    client = app.test_client()
                    token = _csrf(client.get("/staf/masuk").data)
                    return client.post(
                        "/staf/masuk",
                        data={
                            "csrf_token": token,
                            "email": email or f"petugas{i:05d}@example.org",
                            "password": PASSWORD,
                        },
                    )

                def bare_sign_in(i):
                    return bare.post(
                        "/login",
                        data={"email": f"petugas{i:05d}@example.org", "password": PASSWORD},
                    )

                rows.append(
                    (
                        "sign-in, password only (GET form + POST)",
                        _timed(portal_sign_in, args.repeat),
                        _timed(bare_sign_in, args.repeat),
                    )
                )

                def two_step(i):
                    email = f"dua{i:03d}@example.org"
                    client = app.test_client()
                    token = _csrf(client.get("/staf/masuk").data)
                    first = client.post(
                        "/staf/masuk",
                        data={"csrf_token": token, "email": email, "password": PASSWORD},
                    )
                    assert first.status_code == 302, first.status_code
                    page = client.get(first.headers["Location"])
                    code = pyotp.TOTP(secrets_by_email[email]).now()
                    return client.post(
                        "/staf/masuk/kode", data={"csrf_token": _csrf(page.data), "code": code}
                    )

                rows.append(("sign-in with 2FA (both steps)", _timed(two_step, args.repeat), None))

                staff = app.test_client()
                token = _csrf(staff.get("/staf/masuk").data)
                signed = staff.post(
                    "/staf/masuk",
                    data={
                        "csrf_token": token,
                        "email": "admin.kalsel@example.org",
                        "password": PASSWORD,
                    },
                )
                assert signed.status_code == 302, signed.status_code
                rows.append(
                    (
                        f"account list, page 1 ({args.accounts} accounts)",
                        _timed(lambda i: staff.get("/staf/pengguna/"), args.repeat, ok=(200,)),
                        _timed(lambda i: bare.get("/users"), args.repeat, ok=(200,)),
                    )
                )
                rows.append(
                    (
                        f"audit trail, page 1 ({args.entries} entries)",
                        _timed(lambda i: staff.get("/staf/jejak-audit/"), args.repeat, ok=(200,)),
                        _timed(lambda i: bare.get("/audit"), args.repeat, ok=(200,)),
                    )
                )
                since = (utcnow() - timedelta(days=7)).date().isoformat()
                page_token = _csrf(staff.get("/staf/jejak-audit/").data)

                def export(i):
                    return staff.post(
                        "/staf/jejak-audit/ekspor.csv",
                        data={"csrf_token": page_token, "from": since},
                    )

                rows.append(
                    (
                        "audit CSV, last 7 days of the region",
                        _timed(export, max(3, args.repeat // 10), ok=(200,)),
                        None,
                    )
                )
            finally:
                db.session.rollback()
                if args.db:
                    with db.engine.begin() as conn:
                        meta = MetaData()
                        meta.reflect(conn)
                        meta.drop_all(conn)
                        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            engine = db.engine.dialect.name
    print(f"# Staff accounts and the audit trail — {machine()} — {git_revision()}")
    print(f"database: {engine}; {args.accounts} accounts; {args.entries} audit entries")
    print()
    print("| what | p50 ms | p95 ms | bare p50 ms | portal / bare |")
    print("|---|---:|---:|---:|---:|")
    for name, took, bare_took in rows:
        p50 = statistics.median(took)
        p95 = statistics.quantiles(took, n=20)[-1] if len(took) > 2 else max(took)
        if bare_took:
            bare50 = statistics.median(bare_took)
            print(f"| {name} | {p50:.1f} | {p95:.1f} | {bare50:.2f} | {p50 / bare50:.1f} |")
        else:
            print(f"| {name} | {p50:.1f} | {p95:.1f} | — | — |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

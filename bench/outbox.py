"""Outbox delivery into a local aiosmtpd, next to a bare smtplib loop sending the same mail.

The outbox path is the real one: claim rows (one transaction per batch), render the
templates in the recipient's language, send through Flask-Mail, commit each row as sent.
The bare loop sends the very same messages (pre-built bytes, one SMTP connection, no
database). Both run in this process, alternating rounds, against the same server.
Figures are reported, never asserted.

    .venv/bin/python bench/outbox.py [--messages 500] [--rounds 3] [--batch 50]
                                     [--db postgresql://…] [--record]
"""

from __future__ import annotations

import argparse
import os
import platform
import smtplib
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from benchinfo import git_revision, machine

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ comes first on sys.path, and bench/queue_page.py would shadow the
# standard library's queue (which psycopg imports): put the project root there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
RESULTS = ROOT / "bench" / "RESULTS.md"


class CountingHandler:
    def __init__(self):
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_app(db_url: str | None, instance: Path, port: int):
    from portal import create_app

    env = {
        "APP_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-000",
        "PUBLIC_BASE_URL": "http://localhost",
        "DATABASE_URL": db_url or f"sqlite:///{instance / 'bench.sqlite3'}",
        "INSTANCE_PATH": str(instance),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
    }
    return create_app(environ=env)


def add_messages(n: int) -> None:
    from portal.extensions import db
    from portal.notifications.outbox import add_message

    for i in range(n):
        add_message(
            "new_case",
            f"petugas{i}@example.org",
            {
                "tracking_code": f"KSL-B{i:05d}",
                "title": "Antrean pendaftaran sangat lama",
                "confidential": False,
                "classification": "complaint",
                "case_link": f"http://localhost/staf/kasus/KSL-B{i:05d}",
                "region_name": "Kalimantan Selatan",
                "agency_name": "RSUD Ulin Banjarmasin",
                "unit_name": "Poli Umum",
            },
            region_id="kalsel",
        )
    db.session.commit()


def clear_outbox() -> None:
    from portal.extensions import db
    from portal.notifications.models import OutboxMessage

    db.session.query(OutboxMessage).delete()
    db.session.commit()


def run_outbox(n: int, batch: int) -> float:
    """Seconds for the worker to deliver n messages waiting in the outbox."""
    from portal.notifications.delivery import EmailChannel
    from portal.outbox.worker import deliver_batch

    clear_outbox()
    add_messages(n)
    now = datetime.now(UTC)
    start = time.perf_counter()
    sent = 0
    while True:
        result = deliver_batch(EmailChannel(), now=now, limit=batch)
        if result.handled == 0:
            break
        sent += result.sent
    elapsed = time.perf_counter() - start
    if sent != n:
        raise SystemExit(f"outbox sent {sent} of {n}")
    return elapsed


def run_fencing(n: int) -> float:
    """Seconds for the per-row fencing statement alone (is the row still ours? renew its
    lease), which the worker runs right before sending each row: what it adds per message."""
    from portal.notifications.models import OutboxMessage
    from portal.outbox.claiming import claim_due, take

    clear_outbox()
    add_messages(n)
    rows = claim_due(OutboxMessage, "bench-claim", datetime.now(UTC), n)
    start = time.perf_counter()
    for row in rows:
        if not take(OutboxMessage, row.id, "bench-claim"):
            raise SystemExit(f"row {row.id} was not ours")
    elapsed = time.perf_counter() - start
    clear_outbox()
    return elapsed


def prebuilt(n: int) -> list[tuple[str, list[str], bytes]]:
    """The same messages, rendered and built once, outside the timed loop."""
    from portal.extensions import db
    from portal.notifications.delivery import build_message
    from portal.notifications.models import OutboxMessage

    clear_outbox()
    add_messages(n)
    out = []
    for row in db.session.query(OutboxMessage).order_by(OutboxMessage.id):
        message = build_message(row)
        out.append((message.sender, list(message.send_to), message.as_bytes()))
    clear_outbox()
    return out


def run_bare(messages, port: int) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for sender, recipients, data in messages:
            smtp.sendmail(sender, recipients, data)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=500)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch", type=int, default=50, help="worker batch size (rows per claim)")
    p.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL"), help="default: SQLite")
    p.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = p.parse_args(argv)

    from aiosmtpd.controller import Controller
    from flask_migrate import upgrade

    from portal.extensions import db

    handler = CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(args.db, Path(tmp), port)
        with app.app_context():
            upgrade()
            clear_outbox()
            messages = prebuilt(args.messages)
            run_outbox(min(50, args.messages), args.batch)  # warm-up: templates, connections
            run_bare(messages[:50], port)
            outbox_times, bare_times, fencing_times = [], [], []
            for _ in range(args.rounds):
                outbox_times.append(run_outbox(args.messages, args.batch))
                bare_times.append(run_bare(messages, port))
                fencing_times.append(run_fencing(args.messages))
            clear_outbox()
            dialect = db.engine.dialect.name
            db.engine.dispose()
    controller.stop()

    n, rounds = args.messages, args.rounds
    out_rate = n * rounds / sum(outbox_times)
    bare_rate = n * rounds / sum(bare_times)
    fencing_rate = n * rounds / sum(fencing_times)
    table = (
        "| target | messages | rounds | messages/s | ms per message |\n"
        "|---|--:|--:|--:|--:|\n"
        f"| bare smtplib loop (pre-built, 1 connection) | {n} | {rounds} | "
        f"{bare_rate:.0f} | {1000 / bare_rate:.2f} |\n"
        f"| outbox worker (claim, check + render id/en + Flask-Mail + commit per row) | {n} | "
        f"{rounds} | {out_rate:.0f} | {1000 / out_rate:.2f} |\n"
        f"| the per-row fencing check alone (1 UPDATE + its own commit) | {n} | "
        f"{rounds} | {fencing_rate:.0f} | {1000 / fencing_rate:.2f} |\n\n"
        f"**outbox/bare throughput: {out_rate / bare_rate:.2f}** "
        f"(database: {dialect}, batch {args.batch}, aiosmtpd {version('aiosmtpd')} on "
        f"127.0.0.1 in the same process)\n"
    )
    print(table)
    if args.record:
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        command = "bench/outbox.py " + " ".join(argv if argv is not None else sys.argv[1:])
        with RESULTS.open("a") as f:
            f.write(
                f"\n## Outbox delivery, {stamp}\n\n- machine: {machine()}\n"
                f"- Python {platform.python_version()}, Flask-Mail {version('flask-mail')}, "
                f"SQLAlchemy {version('sqlalchemy')}\n- code: {git_revision()}\n"
                f"- command: `{command.strip()}`\n\n{table}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What a bulk re-send after an outage costs: reviving --rows dead e-mails by filter.

    .venv/bin/python bench/bulk_revive.py [--rows 10000] [--db URL]

Fills the outbox with --rows dead messages of one region whose last error matches the
filter, and as many of another region that must stay dead, then times the page's count
and the bulk re-send (`outbox resend --all-dead --region R --error TEXT`, the button
"Kirim ulang semua yang cocok" does the same) and counts the SQL statements each sends.
Figures are printed, never asserted. With --db the schema is built there (migrations)
and every table is dropped afterwards: give it a scratch database.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchinfo import git_revision, machine
from sqlalchemy import MetaData, event, func, insert, select, text

from portal import create_app
from portal.extensions import db
from portal.notifications.delivery import EmailChannel
from portal.notifications.models import DEAD, OutboxMessage
from portal.outbox.revive import ReviveFilter
from portal.staff.revive_filters import count_matching, revive_matching

SECRET = "bench-secret-key-that-is-long-enough-0001"


def fill(rows: int) -> None:
    created = datetime(2026, 3, 1, tzinfo=UTC)
    batch = []
    for n in range(2 * rows):
        region = "kalsel" if n % 2 == 0 else "hst"
        batch.append(
            dict(
                message_id=f"<bench-{n}@example.org>",
                template="receipt",
                recipient=f"warga{n}@example.org",
                locale="id",
                context_json="{}",
                region_id=region,
                status=DEAD,
                attempts=78,
                next_attempt_at=created,
                created_at=created + timedelta(seconds=n),
                last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            )
        )
        if len(batch) == 5000:
            db.session.execute(insert(OutboxMessage), batch)
            batch = []
    if batch:
        db.session.execute(insert(OutboxMessage), batch)
    db.session.commit()


class Statements:
    """Counts the statements sent and the longest one (a chunk's hold on SQLite's lock)."""

    def __init__(self, engine):
        self.reset()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.count, self.longest_ms, self._start = 0, 0.0, 0.0

    def _before(self, *args, **kwargs):
        self.count += 1
        self._start = time.perf_counter()

    def _after(self, *args, **kwargs):
        self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._start) * 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args(argv)
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "APP_ENV": "testing",
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": tmp,
            "DATABASE_URL": args.db or f"sqlite:///{tmp}/bench.sqlite3",
        }
        app = create_app(environ=env)
        with app.app_context():
            upgrade()
            try:
                fill(args.rows)
                channel = EmailChannel()
                wanted = ReviveFilter(region_id="kalsel", error_contains="connection refused")
                statements = Statements(db.engine)

                start = time.perf_counter()
                matching = count_matching(channel, wanted, None)
                count_ms = (time.perf_counter() - start) * 1000
                count_statements = statements.count

                statements.reset()
                start = time.perf_counter()
                revived = revive_matching(channel, wanted, None)
                revive_ms = (time.perf_counter() - start) * 1000
                revive_statements = statements.count

                left = db.session.execute(
                    select(func.count()).where(OutboxMessage.status == DEAD)
                ).scalar()
                print(f"# bulk revive — {machine()} — {git_revision()}")
                print(f"database: {db.engine.dialect.name}")
                print(f"dead rows: {2 * args.rows} ({args.rows} match the filter)")
                print(f"count:  {matching} rows, {count_ms:.1f} ms, {count_statements} statement")
                print(
                    f"revive: {revived} rows, {revive_ms:.1f} ms, {revive_statements} "
                    f"UPDATE(s), longest {statements.longest_ms:.1f} ms"
                )
                print(f"still dead (other region): {left}")
            finally:
                db.session.rollback()
                if args.db:
                    with db.engine.begin() as conn:
                        meta = MetaData()
                        meta.reflect(conn)
                        meta.drop_all(conn)
                        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

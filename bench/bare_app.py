"""The bare baseline: the least a Flask + Flask-SQLAlchemy form handler can do.

GET /r answers a tiny form with one hidden one-time key; POST /r stores one row and
answers 303. bench/run.py serves it with the same gunicorn settings and the same kind of
database as the portal, so the ratio portal/bare shows what the portal's own work costs.

    gunicorn --pythonpath bench bare_app:app      (DATABASE_URL must be set)
    python bench/bare_app.py init-db | count      (create the table / print its row count)
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import UTC, datetime

from flask import Flask, redirect, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Integer, String, Text, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

FORM_PATH = "/r"
FORM = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Lapor</title></head><body>
<form method="post" enctype="multipart/form-data">
<input type="hidden" name="submission_key" value="{key}">
<input name="title"><textarea name="description"></textarea>
<input name="reporter_name"><input name="reporter_phone">
<button type="submit">Kirim</button>
</form></body></html>
"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class BareReport(db.Model):
    __tablename__ = "bench_bare_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def psycopg3_url(url: str) -> str:
    """postgresql://… means psycopg 3 here too (the portal does the same rewrite)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _same_sqlite_settings_as_the_portal(engine) -> None:
    """WAL and a busy timeout, as portal/sqlite_tuning.py sets: a fair floor to compare with."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


def create_app() -> Flask:
    """One table, two views, nothing else: the floor the portal is compared against."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = psycopg3_url(os.environ["DATABASE_URL"])
    db.init_app(app)
    with app.app_context():
        _same_sqlite_settings_as_the_portal(db.engine)

    @app.get(FORM_PATH)
    def form() -> str:
        return FORM.format(key=secrets.token_urlsafe(24))

    @app.post(FORM_PATH)
    def submit():
        f = request.form
        row = BareReport(
            submission_key=f["submission_key"],
            title=f["title"],
            description=f["description"],
            reporter_name=f.get("reporter_name"),
            reporter_phone=f.get("reporter_phone"),
            created_at=datetime.now(UTC),
        )
        db.session.add(row)
        db.session.commit()
        return redirect(f"/selesai/{row.id}", code=303)

    @app.get("/selesai/<int:report_id>")
    def done(report_id: int):
        """The page the POST leads to (bench/scaleout.py follows it): one row read back."""
        row = db.get_or_404(BareReport, report_id)
        return f"<!doctype html><title>Terkirim</title><p>{row.id}: {row.title}</p>"

    return app


app = create_app() if "DATABASE_URL" in os.environ else None


def main(argv: list[str]) -> int:
    """`init-db` creates the table, `count` prints how many rows were stored."""
    if app is None:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    command = argv[0] if argv else ""
    with app.app_context():
        if command == "init-db":
            db.create_all()
            return 0
        if command == "count":
            print(db.session.execute(select(func.count()).select_from(BareReport)).scalar_one())
            return 0
    print("usage: bare_app.py init-db|count", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

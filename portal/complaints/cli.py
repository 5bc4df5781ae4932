"""`flask --app wsgi complaints …`: the regional queue for scripts."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.complaints.orphans import DEFAULT_AGE, MIN_AGE, WrongDatabase, sweep_uploads
from portal.complaints.serialize import complaint_summary
from portal.extensions import db
from portal.photo_store import StorageFailure, photo_store
from portal.routing.active import get_router

complaints_cli = AppGroup("complaints", help="Read the regional queues; tidy the uploads.")


@complaints_cli.command("list")
@click.option("--region", required=True, help="Region ID, e.g. kalsel.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--limit", default=1000, show_default=True)
def list_cmd(region: str, as_json: bool, limit: int) -> None:
    """The region's queue, newest first."""
    if get_router().region(region) is None:
        known = ", ".join(r.id for r in get_router().regions)
        click.echo(f"error: unknown region {region!r} (known: {known})", err=True)
        raise SystemExit(1)
    stmt = (
        select(Complaint)
        .where(Complaint.region_id == region)
        .order_by(Complaint.submitted_at.desc(), Complaint.id.desc())
        .limit(limit)
    )
    rows = [complaint_summary(c) for c in db.session.execute(stmt).scalars()]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['tracking_code']}  {r['status']:<10} {r['followup_due']}  {r['title']}")
    click.echo(f"{len(rows)} complaint(s) in {region}")


@complaints_cli.command("sweep-uploads")
@click.option(
    "--older-than",
    "hours",
    type=click.FloatRange(min=MIN_AGE.total_seconds() / 3600),
    default=DEFAULT_AGE.total_seconds() / 3600,
    show_default=True,
    help="Only files older than this many hours (a younger one may be mid-commit).",
)
@click.option("--dry-run", is_flag=True, help="Print what would be removed, remove nothing.")
def sweep_uploads_cmd(hours: float, dry_run: bool) -> None:
    """Remove leftover .part files and photos no report references (run from cron).

    Works on the configured store: UPLOAD_FOLDER, or the S3 bucket (listed with each
    object's age)."""
    store = photo_store()
    try:
        removed = sweep_uploads(store, older_than=timedelta(hours=hours), dry_run=dry_run)
    except WrongDatabase as exc:
        raise click.ClickException(str(exc)) from exc
    except StorageFailure as exc:
        raise click.ClickException(
            f"{store.describe()} cannot be listed ({exc}); nothing was removed"
        ) from exc
    verb = "would remove" if dry_run else "removed"
    for item in removed:
        click.echo(f"{verb} {item.path} ({item.reason})")
    click.echo(f"{len(removed)} file(s) {verb} in {store.describe()}")

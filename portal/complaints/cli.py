"""`flask --app wsgi complaints …`: the regional queue for scripts."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.complaints.serialize import complaint_summary
from portal.extensions import db
from portal.routing.active import get_router

complaints_cli = AppGroup("complaints", help="Read the regional queues.")


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

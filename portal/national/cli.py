"""`flask --app wsgi national …`: the SP4N-LAPOR! mirror from the command line."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from portal.national.delivery import MirrorChannel, NotConfigured, retry_failed
from portal.national.export import FORMATS, export_pending, export_to_file
from portal.national.models import FAILED, HTTP
from portal.national.overview import counts, failed_items
from portal.outbox.revive import FilterError
from portal.outbox.worker import deliver_all_due
from portal.staff.revive_filters import known_regions, read_filter, revive_matching

national_cli = AppGroup("national", help="Mirror cases to SP4N-LAPOR! (export or HTTP).")


@national_cli.command("status")
@click.option("--region", default=None, help="Only this region's items.")
def status_cmd(region: str | None) -> None:
    """Items per state, then every failed item with its last error."""
    for state, count in counts(region).items():
        click.echo(f"{state}: {count}")
    failed = failed_items(region)
    if failed:
        click.echo("failed items:")
    for item in failed:
        code = item.complaint.tracking_code if item.complaint else "?"
        error = (item.last_error or "").replace("\n", " ")[:300]
        click.echo(f"  {item.id}  {code}  {item.event_kind}  attempts={item.attempts}  {error}")


@national_cli.command("export")
@click.option("-o", "--output", default=None, help="Write to this file (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option("--region", default=None, help="Only this region's items.")
def export_cmd(output: str | None, fmt: str, region: str | None) -> None:
    """Write the pending items and mark them sent (only once the write succeeded)."""
    if output:
        result = export_to_file(output, fmt, region_id=region)
    else:
        result = export_pending(sys.stdout, fmt, region_id=region)
    click.echo(f"exported: {result.count} (batch {result.batch})", err=True)


@national_cli.command("send")
@click.option("--once", is_flag=True, required=True, help="Deliver what is due now, then exit.")
@click.option("--limit", default=50, show_default=True, help="Items per batch.")
def send_cmd(once: bool, limit: int) -> None:
    """Post every item that is due now to NATIONAL_URL (NATIONAL_CONNECTOR=http)."""
    connector = current_app.config.get("NATIONAL_CONNECTOR")
    if connector != HTTP:
        raise click.ClickException(
            f"NATIONAL_CONNECTOR is {connector!r}: items wait for `national export`; "
            "set NATIONAL_CONNECTOR=http (with NATIONAL_URL) to post them"
        )
    try:
        click.echo(deliver_all_due(MirrorChannel(), limit=limit).summary(FAILED))
    except NotConfigured as exc:
        raise click.ClickException(str(exc)) from exc


@national_cli.command("retry")
@click.argument("item_id", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="Every failed item matching the filters below.")
@click.option("--region", default=None, help="With --all-failed: only this region's items.")
@click.option("--since", default=None, help="With --all-failed: created on or after this day.")
@click.option("--until", default=None, help="With --all-failed: created on or before this day.")
@click.option("--error", default=None, help="With --all-failed: last error contains this text.")
def retry_cmd(
    item_id: int | None,
    all_failed: bool,
    region: str | None,
    since: str | None,
    until: str | None,
    error: str | None,
) -> None:
    """Give a failed item (or every failed one matching the filters) a fresh start; each
    case's later items follow by themselves once it is delivered.

    Days are YYYY-MM-DD in WIB, both included.
    """
    filters = {"region": region, "since": since, "until": until, "error": error}
    if (item_id is None) == (not all_failed):
        raise click.UsageError("give an item ID or --all-failed (not both)")
    if not all_failed:
        if any(filters.values()):
            raise click.UsageError("--region, --since, --until and --error go with --all-failed")
        if not retry_failed(item_ids=[item_id]):
            raise click.ClickException(f"item {item_id} is not failed")
        click.echo(f"item {item_id} queued again")
        return
    channel = MirrorChannel()
    try:
        wanted = read_filter(filters, known_regions(channel))
    except FilterError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from exc
    click.echo(f"queued again: {revive_matching(channel, wanted, None)}")

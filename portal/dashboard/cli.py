"""`flask --app wsgi stats …`: rebuild the dashboard's monthly recap."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.dashboard.backfill import backfill_region
from portal.dashboard.recap import rebuild, refresh
from portal.routing.active import get_router

stats_cli = AppGroup("stats", help="The leaders' dashboard figures.")


def _regions(region_id: str | None):
    router = get_router()
    if region_id is None:
        return router, list(router.regions)
    region = router.region(region_id)
    if region is None:
        raise click.ClickException(f"unknown region {region_id!r}")
    return router, [region]


@stats_cli.command("rebuild")
@click.option("--region", "region_id", help="Only this region (default: all).")
def rebuild_cmd(region_id: str | None) -> None:
    """Fill missing per-case figures, then recompute every month (after an upgrade)."""
    router, regions = _regions(region_id)
    for region in regions:
        cases = backfill_region(router, region.id)
        months = rebuild(region.id, region.timezone)
        click.echo(f"{region.id}: {cases} cases updated, {months} months recomputed")


@stats_cli.command("refresh")
@click.option("--region", "region_id", help="Only this region (default: all).")
def refresh_cmd(region_id: str | None) -> None:
    """Recompute the months changed since the last refresh (pages do this on their own)."""
    _router, regions = _regions(region_id)
    for region in regions:
        click.echo(f"{region.id}: {refresh(region.id, region.timezone)} months recomputed")

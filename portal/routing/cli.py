"""`flask routing check|route`: let an admin test an edited routing file before deploying it.

`check` is meant to run without a working app (e.g. in CI or before a restart, when the
running app still has the old file), so it only loads the app to learn the default path.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo

from portal.routing.loader import load_router
from portal.routing.model import CLASSIFICATIONS, RoutingFileError, UnknownServicePoint

routing_cli = AppGroup("routing", help="Check and try out the routing file (routing_rules.yaml).")


@routing_cli.command("check", with_appcontext=False)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def check_command(ctx: click.Context, file: Path | None) -> None:
    """Validate FILE (default: the app's ROUTING_FILE) and list every problem with its line."""
    try:
        path = file if file is not None else _configured_routing_file(ctx)
        router = load_router(path)
    except RoutingFileError as exc:  # also raised by the app factory for a broken default
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        count = len(exc.issues)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        ctx.exit(1)
    counts = router.summary()
    click.echo(
        f"{path}: OK — {counts['regions']} regions, {counts['agencies']} agencies, "
        f"{counts['units']} units, {counts['services']} services, {counts['rules']} rules "
        f"(version {router.version})"
    )


@routing_cli.command("route")
@click.option("--agency", required=True, help="Agency ID from the QR code.")
@click.option("--unit", required=True, help="Unit ID from the QR code.")
@click.option("--service", required=True, help="Service ID from the QR code.")
@click.option(
    "--classification", type=click.Choice(CLASSIFICATIONS), default="complaint", show_default=True
)
@click.option("--category", default=None, help="Category ID, e.g. perilaku-petugas.")
@click.option("--supervised", is_flag=True, help="The complaint needs supervised follow-up.")
def route_command(
    agency: str,
    unit: str,
    service: str,
    classification: str,
    category: str | None,
    supervised: bool,
) -> None:
    """Show where the running app's routing file sends a report from this service point."""
    from portal.routing.active import get_router

    try:
        destination = get_router().route(
            agency, unit, service, classification, category=category, supervised=supervised
        )
    except UnknownServicePoint as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(1) from exc
    click.echo(json.dumps(destination.to_dict(), indent=2, ensure_ascii=False))


def _configured_routing_file(ctx: click.Context) -> Path:
    """The app's ROUTING_FILE, loading the app only when no app context exists yet.

    Loading the app compiles that file, so a broken one surfaces here as RoutingFileError.
    """
    if current_app:
        return Path(current_app.config["ROUTING_FILE"])
    app = ctx.ensure_object(ScriptInfo).load_app()
    return Path(app.config["ROUTING_FILE"])


if __name__ == "__main__":  # `python -m portal.routing.cli check FILE` works without an app
    routing_cli()

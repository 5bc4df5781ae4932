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
    logo_issues = _logo_issues(router, path)
    if logo_issues:
        for issue in logo_issues:
            click.echo(issue, err=True)
        count = len(logo_issues)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        ctx.exit(1)
    counts = router.summary()
    click.echo(
        f"{path}: OK — {counts['regions']} regions, {counts['agencies']} agencies, "
        f"{counts['units']} units, {counts['services']} services, {counts['rules']} rules "
        f"(version {router.version})"
    )
    for rule, target, accepted in router.cross_region_rules():
        if not accepted:  # allowed (a super admin's activation is consent), but say so
            click.echo(
                f"note: rule '{rule.id}' of region '{rule.region_id}' routes reports into "
                f"region '{target}', which does not list '{rule.region_id}' in "
                "accept_routes_from; the editor refuses this for regional admins, only a "
                "super admin's confirmed activation (or the CLI) may store it"
            )


def _logo_issues(router, path: Path) -> list[str]:
    """Each region logo the poster printer could not use, as FILE:LINE: message."""
    from qr.poster import LOGO_MAX_BYTES, load_logo

    why = {
        "missing": "is missing",
        "not-an-image": "is not a readable image (PNG, JPEG or WebP)",
        "outside-folder": "leads outside the logo/ folder next to the routing file",
        "too-large": f"is too large (at most {LOGO_MAX_BYTES // 1024} KB and 4096 x 4096 pixels)",
    }
    issues = []
    for region in router.regions:
        logo_path = router.logo_path(region)
        if logo_path is None:
            continue
        _logo, problem = load_logo(logo_path, router.logo_folder())
        if problem is not None:
            detail = f" ({problem.detail})" if problem.detail else ""
            issues.append(
                f"{path}:{region.logo_line or 1}: logo '{region.logo}' of region "
                f"'{region.id}' {why[problem.reason]}{detail}"
            )
    return issues


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
    """Show where the active routing version sends a report from this service point."""
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


# --- versions in the database ----------------------------------------------------------------


@routing_cli.command("export")
@click.option(
    "-o", "--output", "output", default="-", type=click.Path(dir_okay=False, allow_dash=True)
)
@click.option("--version", "version_id", type=int, default=None, help="Default: the active one.")
def export_command(output: str, version_id: int | None) -> None:
    """Write the active (or another) routing version to FILE, exactly as stored."""
    from portal.routing import versions

    _ensure_seeded()
    try:
        version = versions.get(version_id) if version_id else versions.newest()
    except versions.UnknownVersion as exc:
        raise click.ClickException(str(exc)) from exc
    if version is None:
        raise click.ClickException("no routing version in the database")
    if output == "-":
        click.echo(version.text, nl=False)
    else:
        Path(output).write_text(version.text, encoding="utf-8")
        click.echo(f"version {version.id} ({version.short_hash}) written to {output}", err=True)


@routing_cli.command("apply")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--comment", required=True, help="Why: shown in the history.")
@click.option(
    "--base",
    "base_id",
    type=int,
    default=None,
    help="Refuse if the active version is no longer this one.",
)
@click.pass_context
def apply_command(ctx: click.Context, file: Path, comment: str, base_id: int | None) -> None:
    """Validate FILE and make it the active routing version (all processes within seconds)."""
    from portal.routing import versions
    from portal.routing.active import routing_state
    from portal.routing.loader import decode_routing_bytes
    from portal.routing.models import SOURCE_CLI

    _ensure_seeded()
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from exc
    who = versions.Activation(author=_cli_author(), source=SOURCE_CLI, comment=comment)
    try:
        text = decode_routing_bytes(raw, str(file))
        version, router = versions.activate(text, base_id, who, filename=str(file))
    except RoutingFileError as exc:
        _print_issues(ctx, exc)
    except versions.StaleVersion as exc:
        click.echo(f"Error: {exc}; export the newest version and apply your change to it", err=True)
        ctx.exit(1)
    except versions.NoChange:
        click.echo("no change: FILE is the active version")
        return
    state = routing_state()
    if state is not None:
        state.activated(version.id, router)
    click.echo(f"version {version.id} active ({version.short_hash}): {router.summary()}")


@routing_cli.command("history")
@click.option("--limit", default=30, show_default=True)
def history_command(limit: int) -> None:
    """List routing versions, newest (active) first."""
    from portal.routing import versions

    _ensure_seeded()
    for v in versions.history(limit):
        parent = f"parent {v.parent_id}" if v.parent_id else "first"
        copied = f", copy of {v.restored_from_id}" if v.restored_from_id else ""
        part = v.region_id or "whole file"
        click.echo(
            f"{v.id:>5}  {v.created_at:%Y-%m-%d %H:%M}  {v.short_hash}  {v.source:<8} "
            f"{v.author}  [{part}; {parent}{copied}]  {v.comment}"
        )


@routing_cli.command("rollback")
@click.argument("version_id", type=int)
@click.option("--comment", default="", help="Default: 'Rollback to version N'.")
@click.pass_context
def rollback_command(ctx: click.Context, version_id: int, comment: str) -> None:
    """Activate a copy of VERSION after validating it again."""
    from portal.routing import versions
    from portal.routing.active import routing_state

    _ensure_seeded()
    who = versions.Activation(author=_cli_author(), source="rollback", comment=comment)
    try:
        version, router = versions.rollback_to(version_id, who)
    except versions.UnknownVersion as exc:
        raise click.ClickException(str(exc)) from exc
    except versions.NoChange:
        click.echo(f"no change: version {version_id} is the active text")
        return
    except RoutingFileError as exc:
        _print_issues(ctx, exc)
    state = routing_state()
    if state is not None:
        state.activated(version.id, router)
    click.echo(f"version {version.id} active (copy of version {version_id})")


def _print_issues(ctx: click.Context, exc: RoutingFileError) -> None:
    for issue in exc.issues:
        click.echo(str(issue), err=True)
    count = len(exc.issues)
    click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing changed", err=True)
    ctx.exit(1)


def _ensure_seeded() -> None:
    from portal.routing import versions
    from portal.routing.active import routing_state

    state = routing_state()
    if state is not None and versions.newest() is None:
        text, _router = state.file_router()
        versions.seed_from_file(text, state.file_path)


def _cli_author() -> str:
    """ "cli:<os user>": the history's author and the audit trail's actor alike."""
    from portal.audit.record import Actor

    return Actor.cli().email or "cli:unknown"


if __name__ == "__main__":  # `python -m portal.routing.cli check FILE` works without an app
    routing_cli()

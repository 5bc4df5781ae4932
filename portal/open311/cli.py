"""`flask apikeys create|list|revoke`: the client applications' Open311 keys."""

from __future__ import annotations

import click
from flask.cli import AppGroup

apikeys_cli = AppGroup("apikeys", help="Open311 API keys of client applications.")


@apikeys_cli.command("list")
def list_keys() -> None:
    """Every key: name, regions, created, last used, revoked."""
    click.echo("not built yet")

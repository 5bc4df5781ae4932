"""`flask --app wsgi users …`: create and manage staff accounts from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.accounts import roles
from portal.accounts.services import AccountError, create_user, set_active, set_password
from portal.routing.active import get_router

users_cli = AppGroup("users", help="Create and manage staff accounts.")


def _fail(exc: AccountError) -> None:
    click.echo(f"error: {exc}", err=True)
    raise SystemExit(1)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", required=True, type=click.Choice(roles.ROLES))
@click.option("--region", default=None, help="Region ID (regional-admin, leader).")
@click.option("--agency", default=None, help="Agency ID (agency-officer, unit-officer).")
@click.option("--unit", default=None, help="Unit ID within --agency (unit-officer).")
def create(email, password, role, region, agency, unit):
    try:
        user = create_user(
            get_router(),
            email=email,
            password=password,
            role=role,
            region=region,
            agency=agency,
            unit=unit,
        )
    except AccountError as exc:
        _fail(exc)
    scope = "/".join(x for x in (user.region_id, user.agency_id, user.unit_id) if x) or "all"
    click.echo(f"created {user.email} ({user.role}, scope: {scope})")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_cmd(email, password):
    try:
        set_password(email, password)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"password changed for {email}")


@users_cli.command("disable")
@click.option("--email", required=True)
def disable(email):
    try:
        set_active(email, False)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"disabled {email}")

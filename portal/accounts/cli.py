"""`flask --app wsgi users …`: create and manage staff accounts from the shell."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from flask import current_app, g
from flask.cli import AppGroup
from flask_babel import force_locale, gettext

from portal.accounts import administration, roles
from portal.accounts.services import (
    AccountError,
    PasswordRefused,
    create_user,
    list_users,
    scope_label,
    set_active,
    set_password,
    sign_out_everywhere,
)
from portal.audit.record import Actor
from portal.routing.active import get_router

users_cli = AppGroup("users", help="Create and manage staff accounts.")


def _split_unit(agency: str | None, unit: str | None) -> tuple[str | None, str | None]:
    """The unit as `unit` or as `agency/unit` (how the demo, `users list` and the pages
    print it): the agency part must be --agency's, or becomes it when --agency is left out."""
    if not unit or "/" not in unit:
        return agency, unit
    owner, unit_id = unit.split("/", 1)
    if agency and agency != owner:
        raise click.BadParameter(
            f"{unit!r} is a unit of {owner!r}, not of --agency {agency!r}", param_hint="--unit"
        )
    return owner, unit_id


def _fail(exc: AccountError) -> None:
    if isinstance(exc, PasswordRefused):  # the reason in Indonesian, then in English
        click.echo(f"error: {_in('id', exc)} / {_in('en', exc)}", err=True)
    else:
        click.echo(f"error: {exc}", err=True)
    raise SystemExit(1)


def _in(locale: str, exc: PasswordRefused) -> str:
    # Flask-Babel keeps a forced locale on `g` and ignores an empty one (no request here).
    g.users_cli = True
    with force_locale(locale):
        return exc.refusal.render(gettext)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", required=True, type=click.Choice(roles.ROLES))
@click.option("--region", default=None, help="Region ID (regional-admin, leader).")
@click.option("--agency", default=None, help="Agency ID (agency-officer, unit-officer).")
@click.option(
    "--unit",
    default=None,
    help="Unit ID within --agency (unit-officer); AGENCY/UNIT as printed elsewhere works too.",
)
def create(email, password, role, region, agency, unit):
    agency, unit = _split_unit(agency, unit)
    """Create an account tied to the scope its role needs."""
    try:
        user = create_user(
            get_router(),
            email=email,
            password=password,
            role=role,
            region=region,
            agency=agency,
            unit=unit,
            actor=Actor.cli(),
        )
    except AccountError as exc:
        _fail(exc)
    click.echo(f"created {user.email} ({user.role}, scope: {scope_label(user)})")


@users_cli.command("invite")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(roles.ROLES))
@click.option("--region", default=None, help="Region ID (regional-admin, leader).")
@click.option("--agency", default=None, help="Agency ID (agency-officer, unit-officer).")
@click.option(
    "--unit",
    default=None,
    help="Unit ID within --agency (unit-officer); AGENCY/UNIT as printed elsewhere works too.",
)
@click.option(
    "--locale",
    default="id",
    type=click.Choice(administration.LOCALES),
    help="Language of the invitation and of the account's e-mails.",
)
def invite(email, role, region, agency, unit, locale):
    agency, unit = _split_unit(agency, unit)
    """Create an account without a password and queue the e-mail whose link sets it
    (delivered by the outbox worker, like every e-mail)."""
    config = current_app.config
    g.users_cli = True  # force_locale needs something on `g` outside a request
    try:
        with force_locale("en"):  # the operator reads the shell's errors in English
            invited = administration.invite(
                get_router(),
                administration.CLI_MANAGER,
                Actor.cli(),
                email=email,
                role=role,
                region=region,
                agency=agency,
                unit=unit,
                locale=locale,
                valid_for=timedelta(hours=config["INVITATION_VALID_HOURS"]),
                secret_key=config["SECRET_KEY"],
            )
    except AccountError as exc:
        _fail(exc)
    user = invited.user
    click.echo(
        f"invited {user.email} ({user.role}, scope: {scope_label(user)}); "
        f"the link works until {invited.expires_text} ({invited.expires_at.isoformat()})"
    )


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_cmd(email, password):
    """Replace an account's password (12+ characters, not a common one); ends its sessions."""
    try:
        set_password(email, password, actor=Actor.cli())
    except AccountError as exc:
        _fail(exc)
    click.echo(f"password changed for {email}")


@users_cli.command("disable")
@click.option("--email", required=True)
def disable(email):
    """Refuse sign-in; every session already open ends on its next request."""
    try:
        set_active(email, False, actor=Actor.cli())
    except AccountError as exc:
        _fail(exc)
    click.echo(f"disabled {email}")


@users_cli.command("enable")
@click.option("--email", required=True)
def enable(email: str) -> None:
    """Allow a disabled account to sign in again (sessions from before stay ended)."""
    try:
        set_active(email, True, actor=Actor.cli())
    except AccountError as exc:
        _fail(exc)
    click.echo(f"enabled {email}")


@users_cli.command("sign-out-everywhere")
@click.option("--email", required=True, help="The account's e-mail address.")
def sign_out_everywhere_cmd(email: str) -> None:
    """End every session of the account (a lost phone, a shared computer)."""
    try:
        sign_out_everywhere(email, actor=Actor.cli())
    except AccountError as exc:
        _fail(exc)
    click.echo(f"signed out everywhere: {email}")


@users_cli.command("list")
@click.option("--region", default=None, help="Only staff of this region ID, e.g. kalsel.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(region: str | None, as_json: bool) -> None:
    """Accounts with their role, scope and whether they may sign in."""
    try:
        users = list_users(get_router(), region)
    except AccountError as exc:
        _fail(exc)
    rows = [
        {
            "email": u.email,
            "role": u.role,
            "scope": scope_label(u),
            "region": u.region_id,
            "agency": u.agency_id,
            "unit": u.unit_id,
            "active": bool(u.active),
            "invitation_pending": u.invitation_pending,
        }
        for u in users
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        state = (
            "disabled" if not r["active"] else "invited" if r["invitation_pending"] else "active"
        )
        click.echo(f"{r['email']:<40} {r['role']:<15} {r['scope']:<40} {state}")
    click.echo(f"{len(rows)} account(s)" + (f" in {region}" if region else ""))

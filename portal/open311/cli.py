"""`flask apikeys create|list|revoke`: the client applications' Open311 keys."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask import g
from flask.cli import AppGroup
from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.audit.record import Actor
from portal.extensions import db
from portal.open311.keys import ApiKeyRefused, create_key, revoke_key
from portal.open311.models import ApiKey
from portal.routing.active import get_router

apikeys_cli = AppGroup("apikeys", help="Open311 API keys of client applications.")

ALL_REGIONS = "all regions"


def _fail(exc: ApiKeyRefused) -> None:
    """The reason in Indonesian, then in English (the page says it in one of them)."""
    click.echo(f"error: {_in('id', exc)} / {_in('en', exc)}", err=True)
    raise SystemExit(1)


def _in(locale: str, exc: ApiKeyRefused) -> str:
    # Flask-Babel keeps a forced locale on `g` and ignores an empty one (no request here).
    g.apikeys_cli = True
    with force_locale(locale):
        return exc.render(gettext)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@apikeys_cli.command("create")
@click.option("--name", required=True, help="The application's name, e.g. kota-bjm-app.")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region ID the key may file into (repeat for several; none: every region).",
)
@click.option("--contact", default=None, help="E-mail address of the application's team.")
def create(name: str, regions: tuple[str, ...], contact: str | None) -> None:
    """Make a key and print it once: only its hash is stored."""
    try:
        key, plaintext = create_key(
            name,
            regions,
            known_regions=[r.id for r in get_router().regions],
            created_by_email="cli",
            contact=contact,
            actor=Actor.cli(),
        )
    except ApiKeyRefused as exc:
        _fail(exc)
    click.echo(f"created {key.name} (regions: {' '.join(key.region_ids) or ALL_REGIONS})")
    click.echo(plaintext)
    click.echo("This key will not be shown again: give it to the application now.")


@apikeys_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_keys(as_json: bool) -> None:
    """Every key: name, prefix, regions, created, last used, revoked."""
    keys = db.session.execute(select(ApiKey).order_by(ApiKey.name)).scalars().all()
    rows = [
        {
            "name": k.name,
            "prefix": k.key_prefix,
            "regions": list(k.region_ids),
            "contact": k.contact,
            "created": _when(k.created_at),
            "last_used": _when(k.last_used_at),
            "revoked": _when(k.revoked_at) if k.revoked_at else None,
        }
        for k in keys
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        regions = " ".join(r["regions"]) or ALL_REGIONS
        state = f"revoked {r['revoked']}" if r["revoked"] else "active"
        click.echo(
            f"{r['name']:<30} {r['prefix']}... {regions:<25} created {r['created']}"
            f"  last used {r['last_used']}  {state}"
        )
    click.echo(f"{len(rows)} key(s)")


@apikeys_cli.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Stop a key at once; reports filed with it keep the application's name."""
    try:
        key = revoke_key(name, by_email="cli", actor=Actor.cli())
    except ApiKeyRefused as exc:
        _fail(exc)
    click.echo(f"revoked {key.name}")

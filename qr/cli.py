"""`flask qr make`: print-ready poster codes for one service point.

Looks the IDs up in the active routing file first, so we never print a code for a counter
the portal would not recognise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from qr.payload import ServiceRef, encode
from qr.render import WRITE_KINDS, make_code, qr_url, write_code
from qr.shortcode import format_code, short_code

qr_cli = AppGroup("qr", help="Make the QR codes printed on service-point posters.")


def _output_path(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    if value.suffix.lower() not in WRITE_KINDS:
        raise click.BadParameter(
            f"unknown file type {value.suffix!r}; use {', '.join(sorted(WRITE_KINDS))}"
        )
    return value


@qr_cli.command("make")
@click.option("--agency", "agency_id", required=True, help="Agency id, e.g. rsud-ulin.")
@click.option("--unit", "unit_id", required=True, help="Unit id, e.g. poli-umum.")
@click.option("--service", "service_id", required=True, help="Service id, e.g. pendaftaran.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    callback=_output_path,
    help="File to write: .png, .svg or .pdf.",
)
@click.option(
    "--scale",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="Pixels (PNG) or units (SVG/PDF) per module.",
)
def make_command(agency_id: str, unit_id: str, service_id: str, output: Path, scale: int) -> None:
    """Write the QR for one service point and print its URL and short code."""
    # Imported here: the app factory registers this group before routing is configured.
    from portal.routing.active import get_router

    point = get_router().find_service_point(agency_id, unit_id, service_id)
    if point is None:
        click.echo(
            f"error: no service point {agency_id}/{unit_id}/{service_id} in the active "
            "routing file",
            err=True,
        )
        sys.exit(1)

    # Sign the canonical IDs the router resolved (aliases typed on the command line must
    # not end up on a poster).
    agency, unit, service = point.ids
    payload = encode(ServiceRef(agency, unit, service), current_app.config["QR_SIGNING_KEYS"])
    url = qr_url(current_app.config["PUBLIC_BASE_URL"], payload)
    code = make_code(url)
    write_code(code, output, scale=scale)

    printed = point.short_code or short_code(agency, unit, service)
    click.echo(f"url: {url}")
    click.echo(f"short code: {format_code(printed)}")
    click.echo(
        f"wrote {output} (QR version {code.version}, {code.mode} mode, error level {code.error})",
        err=True,
    )

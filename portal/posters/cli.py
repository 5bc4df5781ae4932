"""`flask qr make` (the bare QR of one service point) and `flask qr poster` (posters).

The command group is still called `qr` (operators' scripts use it); it lives with the
posters feature because it needs the app (routing, the poster registry), which the `qr`
library itself must never import.

Looks the IDs up in the active routing file first, so we never print a code for a counter
the portal would not recognise.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.posters.models import ORIGIN_CLI
from portal.posters.selection import UnknownSelection, select_points
from portal.posters.services import PosterRequestError, StartedBatch, forget_batch, start_batch
from portal.routing.active import get_router
from qr.batch import FORMATS
from qr.payload import ServiceRef, encode
from qr.poster import SIZES
from qr.render import WRITE_KINDS, make_code, qr_url, write_code
from qr.shortcode import format_code, short_code

qr_cli = AppGroup("qr", help="Make the QR codes printed on service-point posters.")
MAX_WORKERS = 8


def _output_path(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    if value.suffix.lower() not in WRITE_KINDS:
        raise click.BadParameter(
            f"unknown file type {value.suffix!r}; use {', '.join(sorted(WRITE_KINDS))}"
        )
    return value


LOGO_PROBLEMS = {
    "missing": "is missing",
    "not-an-image": "is not a readable image",
    "outside-folder": "is outside the logo/ folder next to the routing file",
    "too-large": "is too large",
}


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


@qr_cli.command("poster")
@click.option("--region", "region_id", help="Every service of a region, e.g. kalsel.")
@click.option("--agency", "agency_id", help="Every service of an agency, e.g. rsud-ulin.")
@click.option("--unit", "unit_id", help="Only this unit of the agency, e.g. poli-umum.")
@click.option("--service", "service_id", help="Only this service of the unit.")
@click.option(
    "--size",
    type=click.Choice(list(SIZES)),
    default="a4",
    show_default=True,
    help="a6-tent is an A5 sheet folded into a table tent; sticker is 10 x 10 cm.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    help="pdf (one page per poster), zip (one PNG per poster) or png (one service). "
    "Default: from the file name, else pdf.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write.",
)
def poster_command(
    region_id: str | None,
    agency_id: str | None,
    unit_id: str | None,
    service_id: str | None,
    size: str,
    fmt: str | None,
    output: Path,
) -> None:
    """Print-ready posters (300 DPI) for a region, an agency, a unit or one service.

    Every run is recorded in the poster registry (origin "cli").
    """
    if (region_id is None) == (agency_id is None):
        raise click.UsageError("give either --region or --agency")
    if region_id is not None and (unit_id or service_id):
        raise click.UsageError("--unit and --service narrow an --agency, not a --region")
    if service_id is not None and unit_id is None:
        raise click.UsageError("--service needs --unit")
    fmt = fmt or {".pdf": "pdf", ".zip": "zip", ".png": "png"}.get(output.suffix.lower(), "pdf")

    router = get_router()
    try:
        selection = select_points(
            router, region=region_id, agency=agency_id, unit=unit_id, service=service_id
        )
        started = start_batch(
            router,
            selection,
            size=size,
            fmt=fmt,
            origin=ORIGIN_CLI,
            keys=current_app.config["QR_SIGNING_KEYS"],
            base_url=current_app.config["PUBLIC_BASE_URL"],
        )
    except UnknownSelection as exc:
        click.echo(f"error: unknown {exc.what} {exc.value!r} in the active routing file", err=True)
        sys.exit(1)
    except PosterRequestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)

    for region, problem in sorted(started.logo_problems.items()):
        what = LOGO_PROBLEMS.get(problem.reason, "is not a readable image")
        click.echo(
            f"warning: logo of region {region} ({problem.path}) {what}; "
            "posters are made without it",
            err=True,
        )
    try:
        _write_file(started, output)
    except BaseException:
        forget_batch(started.batch_id)  # nothing was printed: the registry must not say so
        raise
    click.echo(
        f"wrote {output}: {len(started.points)} poster(s), {size}, {fmt}, "
        f"batch {started.batch_id} ({selection.description})"
    )


def _write_file(started: StartedBatch, output: Path) -> None:
    """Stream the batch into `output` via a temporary file, so a failure leaves no
    half-written poster file behind; big batches are drawn by one process per core."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(started.points) >= 8 else 1
    # Forked children must not share this process's database connection: empty the pool
    # first (it reconnects on demand).
    db.session.remove()
    db.engine.dispose()
    partial = output.with_name(f".{output.name}.partial")
    try:
        with (
            partial.open("wb") as out,
            click.progressbar(length=len(started.points), label="posters", file=sys.stderr) as bar,
        ):
            for chunk in started.chunks(on_page=lambda: bar.update(1), workers=workers):
                out.write(chunk)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)

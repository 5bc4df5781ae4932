"""`flask --app wsgi demo seed`: accounts and a few reports so `make run` shows a live portal.

Idempotent: running it again adds nothing. Never run it on a production database; it
refuses when APP_ENV=production.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice

import click
from flask import current_app
from flask.cli import AppGroup

from portal.accounts import roles
from portal.accounts.services import create_user, find_by_email
from portal.complaints.channels import WEB
from portal.demo.history import seed_history
from portal.intake.report import NewReport
from portal.intake.submission import submit_report
from portal.photo_store import photo_store
from portal.routing.active import get_router
from qr.payload import ServiceRef, encode
from qr.render import qr_url
from qr.shortcode import format_code

demo_cli = AppGroup("demo", help="Demo data for trying the portal locally.")
DEMO_PASSWORD = "demo-sandi-123"

SAMPLE_REPORTS = [
    (
        "complaint",
        "kualitas-layanan",
        "Antrean pendaftaran sangat lama",
        "Saya menunggu lebih dari tiga jam di loket pendaftaran tanpa kejelasan nomor antrean.",
    ),
    (
        "information",
        None,
        "Jadwal pelayanan hari Sabtu",
        "Mohon informasi apakah loket ini tetap buka pada hari Sabtu dan sampai jam berapa.",
    ),
    (
        "aspiration",
        "sarana-prasarana",
        "Usul penambahan kursi ruang tunggu",
        "Ruang tunggu sering penuh sehingga lansia harus berdiri; mohon ditambah kursi tunggu.",
    ),
]


@demo_cli.command("seed")
def seed() -> None:
    if current_app.config["APP_ENV"] == "production":
        click.echo("error: demo seed refuses to run with APP_ENV=production", err=True)
        raise SystemExit(1)
    router = get_router()
    accounts = [("super@example.org", roles.SUPER_ADMIN, {})]
    for region in router.regions:
        accounts.append(
            (f"admin.{region.id}@example.org", roles.REGIONAL_ADMIN, {"region": region.id})
        )
        accounts.append((f"pimpinan.{region.id}@example.org", roles.LEADER, {"region": region.id}))
    for region in router.regions:
        # An officer of the unit most of the region's demo reports reach, so "Saya tangani"
        # and the counter (Loket) can be tried as the people who work the cases would.
        points = [p for p in router.service_points() if p.region.id == region.id]
        units = Counter((p.agency.id, p.unit.id) for p in points[:3])
        if units:
            (agency, unit), _count = units.most_common(1)[0]
            scope = {"agency": agency, "unit": unit}
            accounts.append((f"petugas.{region.id}@example.org", roles.UNIT_OFFICER, scope))
    for email, role, scope in accounts:
        if find_by_email(email) is None:
            create_user(router, email=email, password=DEMO_PASSWORD, role=role, **scope)

    for region in router.regions:
        points = [p for p in router.service_points() if p.region.id == region.id]
        for i, (point, sample) in enumerate(islice(zip(points, SAMPLE_REPORTS, strict=False), 3)):
            classification, category, title, text = sample
            submit_report(
                point.ids,
                NewReport(
                    submission_key=f"demo-{region.id}-{i}-seed-key",
                    classification=classification,
                    category=category if category in {c.id for c in router.categories} else None,
                    title=title,
                    description=text,
                    reporter_name="Warga Demo",
                    reporter_email="warga@example.org",
                ),
                [],
                channel=WEB,
                router=router,
                store=photo_store(),
                secret=current_app.config["SECRET_KEY"],
            )

    history = sum(seed_history(router, region.id) for region in router.regions)
    if history:
        click.echo(f"Demo history for the dashboard: {history} handled reports filed")

    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"Staff accounts (password: {DEMO_PASSWORD}):")
    for email, role, scope in accounts:
        reach = scope.get("region") or "/".join(scope.get(k, "") for k in ("agency", "unit"))
        click.echo(f"  {email:<34} {role:<15} {reach or 'all'}")
    click.echo("Try a poster's QR link or short code:")
    counters = (p for p in router.service_points() if not p.agency.id.startswith("inspektorat"))
    for point in islice(counters, 3):
        payload = encode(ServiceRef(*point.ids), current_app.config["QR_SIGNING_KEYS"])
        click.echo(f"  {point.agency.name} – {point.unit.name} – {point.service.name}")
        click.echo(f"    {qr_url(base, payload)}")
        click.echo(f"    {base}/k/{point.short_code}  (kode {format_code(point.short_code)})")

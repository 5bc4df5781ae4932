"""Six months of handled reports per region, so the demo's dashboard has something to show.

Filed and handled through the real services (submit_report, perform) with the clock set
in the past: the figures on the dashboard are exactly what real use would give. The mix
is fixed (a seeded random generator), so every demo looks the same; one agency per region
is made slow on purpose, so the dashboard has a desk to point at.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from portal.accounts import roles
from portal.accounts.models import User
from portal.cases import transitions
from portal.cases.services import ActionInput, Actor, perform
from portal.clocks.calendar import calendar_for
from portal.complaints.channels import WEB
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.intake.report import NewReport
from portal.intake.submission import submit_report
from portal.photo_store import photo_store
from portal.routing.engine import Router
from portal.timeutil import utcnow

REPORTS_PER_REGION = 40
DAYS_BACK = 180
TITLES = (
    "Antrean loket sangat lama",
    "Petugas tidak ada di tempat",
    "Informasi syarat berkas tidak jelas",
    "Ruang tunggu panas dan sempit",
    "Biaya tanpa kuitansi",
    "Jam layanan tidak sesuai papan",
)
CITIZEN = Actor(transitions.CITIZEN)


def seed_history(router: Router, region_id: str) -> int:
    """File and handle the region's demo history once; returns how many reports are new."""
    region = router.region(region_id)
    points = [
        p for p in router.service_points()
        if p.region.id == region_id and not p.agency.id.startswith("inspektorat")
    ]  # fmt: skip
    if region is None or not points:
        return 0
    calendar = calendar_for(router.holidays_for(region_id))
    zone = ZoneInfo(region.timezone)
    today = utcnow().astimezone(zone).date()
    slow_agency = points[-1].agency.id
    admin = _admin_of(region_id)
    new = 0
    for i in range(REPORTS_PER_REGION):
        # One generator per report: a second seed skips handling the reports it already
        # has, so a shared one would draw other content for the next report, and the same
        # submission key with other content is refused (the form's double-submit guard).
        rng = random.Random(f"demo-{region_id}-{i}")  # noqa: S311 - repeatable, no secret
        point = rng.choice(points)
        filed = _working_day(calendar, today.toordinal() - rng.randint(3, DAYS_BACK))
        receipt = submit_report(
            point.ids,
            NewReport(
                submission_key=f"demo-history-{region_id}-{i}",
                classification=rng.choice(("complaint", "complaint", "information", "aspiration")),
                title=rng.choice(TITLES),
                description="Laporan contoh untuk dasbor demo.",
                # No contact: months of handled history must not fill the demo's message
                # folders with notices to a made-up number (the fresh demo reports do that).
                anonymous=True,
                confidential=rng.random() < 0.1,
            ),
            [],
            channel=WEB,
            router=router,
            store=photo_store(),
            secret=current_app.config["SECRET_KEY"],
            now=_at(filed, zone),
        )
        if receipt.duplicate:
            continue
        new += 1
        case = db.session.execute(
            select(Complaint).filter_by(tracking_code=receipt.tracking_code)
        ).scalar_one()
        slow = point.agency.id == slow_agency
        _handle(router, case, filed, today, calendar, zone, rng, admin, slow=slow)
    return new


def _admin_of(region_id: str) -> Actor:
    """The region's demo admin, so its answers are staff answers (the Open311 API's
    `status_notes` shows only notes an account wrote); a nameless admin without one."""
    user_id = db.session.execute(
        select(User.id)
        .where(User.role == roles.REGIONAL_ADMIN, User.region_id == region_id)
        .order_by(User.id)
        .limit(1)
    ).scalar()
    return Actor(roles.REGIONAL_ADMIN, user_id)


def _handle(router, case, filed, today, calendar, zone, rng, admin, *, slow: bool) -> None:
    """Verify, answer after a few working days (slow desks late or never), close."""
    if rng.random() < 0.08:
        _act(router, case, "reject_spam", filed, zone, admin, text="Bukan laporan layanan publik.")
        return
    _act(router, case, "verify", filed, zone, admin, agency_id=case.agency_id, unit_id=case.unit_id)
    answer_after = rng.randint(6, 25) if slow else rng.choice((0, 1, 1, 2, 3, 5, 8))
    answered = calendar.add_working_days(filed, answer_after)
    if answered >= today or (slow and rng.random() < 0.4):
        return  # still open: overdue once its deadline passes
    _act(
        router,
        case,
        "respond",
        answered,
        zone,
        admin,
        text="Terima kasih, sudah kami tindak lanjuti.",
    )
    closed = calendar.add_working_days(answered, rng.randint(1, 4))
    if closed < today:
        if rng.random() < 0.5:
            _act(router, case, "rate", answered, zone, actor=CITIZEN, rating=rng.randint(3, 5))
        _act(router, case, "close", closed, zone, admin)


def _act(router, case, action, day, zone, actor: Actor, **data) -> None:
    perform(
        case,
        action,
        actor,
        ActionInput(**data),
        router=router,
        expected_version=None,
        now=_at(day, zone),
    )


def _working_day(calendar, ordinal: int) -> date:
    day = date.fromordinal(ordinal)
    while not calendar.is_working_day(day):
        day = date.fromordinal(day.toordinal() - 1)
    return day


def _at(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(9, 0), zone).astimezone(UTC)

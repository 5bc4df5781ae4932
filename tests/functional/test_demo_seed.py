"""`flask demo seed`: what `make run` shows a newcomer, including an officer of each region."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts import roles
from portal.accounts.services import find_by_email
from portal.complaints.models import Complaint
from portal.extensions import db


def test_demo_seed_adds_an_officer_per_region_once(app, router):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    for region in router.regions:
        officer = find_by_email(f"petugas.{region.id}@example.org")
        assert officer is not None and officer.role == roles.UNIT_OFFICER
        assert router.agency(officer.agency_id).region_id == region.id
        assert router.unit(officer.agency_id, officer.unit_id) is not None
        assert f"petugas.{region.id}@example.org" in first.output
    kalsel = find_by_email("petugas.kalsel@example.org")
    assert f"{kalsel.agency_id}/{kalsel.unit_id}" in first.output  # its reach, not "all"
    cases = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    assert cases > 0

    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0, again.output
    assert db.session.execute(select(func.count()).select_from(Complaint)).scalar() == cases

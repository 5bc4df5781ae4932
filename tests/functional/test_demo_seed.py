"""`flask demo seed`: what `make run` shows a newcomer, including an officer of each region."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts import roles
from portal.accounts.services import find_by_email
from portal.complaints.models import Complaint, Event
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


def test_demo_answers_are_staff_answers_the_api_shows_as_status_notes(app, router, client):
    """The demo history's responses are written by the region's demo admin, so the Open311
    API's `status_notes` (only notes an account wrote) shows them, as it would in real use."""
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    admin = find_by_email("admin.kalsel@example.org")
    answered = db.session.execute(select(Event).where(Event.kind == "respond")).scalars()
    answered = list(answered)
    assert answered and all(e.actor_user_id is not None for e in answered)
    assert any(e.actor_user_id == admin.id for e in answered)
    found = client.get("/open311/v2/requests.json?status=closed&page_size=1000").json
    notes = {item["status_notes"] for item in found}
    assert "Terima kasih, sudah kami tindak lanjuti." in notes

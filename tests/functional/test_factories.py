"""The test factory stores the row the submission path stores, so tests built on it test
the portal's real data: a column the submission path starts filling shows up here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import current_app
from sqlalchemy import select

from portal.clocks.due import NO_DEADLINE
from portal.complaints.access import access_token_for, token_matches
from portal.complaints.channels import WEB
from portal.complaints.models import Complaint
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.extensions import db
from portal.intake.report import NewReport
from portal.intake.submission import submit_report
from tests.factories import stored_complaint

# Tuesday 17 March 2026, 10:00 WITA: the deadlines cross Nyepi and the Eid holidays.
WHEN = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
# What tells two reports apart, whoever files them.
OWN = {"id", "tracking_code", "access_token_hash", "submission_digest", "content_digest"}


@pytest.mark.parametrize(
    "counter, classification, category",
    [
        (("rsud-ulin", "poli-umum", "pendaftaran"), "complaint", None),
        (("rsud-ulin", "poli-umum", "pendaftaran"), "complaint", "pungutan-liar"),  # a rule
        (("rsud-damanhuri", "igd", "pendaftaran-igd"), "information", None),  # HST's clocks
    ],
)
def test_a_stored_complaint_is_the_row_a_submission_stores(
    app, router, counter, classification, category
):
    report = NewReport(
        submission_key="a-real-form-submission",
        classification=classification,
        category=category,
        title="Antrean pendaftaran lama",
        description="Saya menunggu di loket pendaftaran.",
        reporter_name="Siti Aminah",
        reporter_email="siti@example.org",
    )
    receipt = submit_report(
        counter,
        report,
        [],
        channel=WEB,
        router=router,
        store=current_app.extensions["photo_store"],
        secret=current_app.config["SECRET_KEY"],
        now=WHEN,
    )
    agency, unit, service = counter
    made = stored_complaint(
        agency=agency,
        unit=unit,
        service=service,
        classification=classification,
        category=category,
        submitted_at=WHEN,
        reporter_email="siti@example.org",
    )
    db.session.expire_all()
    filed = db.session.execute(
        select(Complaint).filter_by(tracking_code=receipt.tracking_code)
    ).scalar_one()
    columns = [c.key for c in Complaint.__mapper__.column_attrs if c.key not in OWN]
    assert {k: getattr(made, k) for k in columns} == {k: getattr(filed, k) for k in columns}
    assert [(e.kind, e.public) for e in made.events] == [(e.kind, e.public) for e in filed.events]

    assert made.tracking_code.startswith(filed.tracking_code[:4])  # the region's prefix
    assert normalize_tracking_code(made.tracking_code) == made.tracking_code
    token = access_token_for(current_app.config["SECRET_KEY"], made.submission_digest)
    assert token_matches(token, made.access_token_hash)  # its private link works


def test_the_running_deadline_follows_the_status(app):
    new = stored_complaint(submitted_at=WHEN)
    assert new.due_key == new.verify_due
    started = stored_complaint(status="in_progress", submitted_at=WHEN)
    assert started.due_key == started.followup_due
    answered = stored_complaint(status="responded", submitted_at=WHEN)
    assert answered.feedback_due is not None and answered.due_key == answered.feedback_due
    held = stored_complaint(status="on_hold", submitted_at=WHEN)
    closed = stored_complaint(status="closed", submitted_at=WHEN)
    assert held.due_key == closed.due_key == NO_DEADLINE
    pinned = stored_complaint(status="verified", due=WHEN.date())
    assert pinned.due_key == pinned.followup_due == WHEN.date()


def test_a_counter_the_routing_file_does_not_know_is_refused(app):
    with pytest.raises(LookupError):
        stored_complaint(agency="rsud-ulin", unit="tidak-ada")
    with pytest.raises(ValueError, match="kalsel, not hst"):
        stored_complaint(agency="rsud-ulin", region="hst")

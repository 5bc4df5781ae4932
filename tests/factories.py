"""Stored rows for tests that need many cases fast, without posting a form for each.

A test that exercises the queue, the scope checks or the mirror needs cases in the database,
often a hundred of them; filing each through the public form costs a request, a CSRF token
and a routing decision that the test is not about. The factory stores the row the
submission path (portal/intake/submission.py) would store: routed by the active routing
file, deadlines counted in the region's working days, the private link's hash derived from
the submission key. It deliberately skips the submission hooks (notifications and the
SP4N-LAPOR! mirror item), so a test sees only the side effects it asks for.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import deadlines_for, local_date
from portal.clocks.due import NO_DEADLINE
from portal.complaints import status as s
from portal.complaints.access import access_token_for, submission_digest, token_hash
from portal.complaints.channels import WEB
from portal.complaints.models import Complaint, Event
from portal.complaints.tracking_codes import ALPHABET, LENGTH
from portal.extensions import db
from portal.routing.active import get_router
from portal.routing.loader import Router
from portal.timeutil import utcnow

# Coprime with len(ALPHABET) ** LENGTH, so n -> n * STEP is a bijection of the code space
# (the factory never hands out a code twice in a run) that spreads consecutive numbers
# over every letter, so codes made one after another do not share a long tail.
_STEP = 48_271
_serial = itertools.count(1)
# The deadline column each status runs; portal/cases/services.py keeps due_key on it.
_RUNNING_DEADLINE = {
    s.NEW: "verify_due",
    s.VERIFIED: "followup_due",
    s.IN_PROGRESS: "followup_due",
    s.RESPONDED: "feedback_due",
}
_DEADLINE_COLUMNS = ("verify_due", "followup_due", "feedback_due")


def stored_complaint(
    *,
    region: str | None = None,
    agency: str = "rsud-ulin",
    unit: str = "poli-umum",
    service: str | None = None,
    category: str | None = None,
    status: str = s.NEW,
    classification: str = "complaint",
    submitted_at: datetime | None = None,
    due: date | None = None,
    anonymous: bool = False,
    confidential: bool = False,
    title: str = "Antrean pendaftaran lama",
    description: str = "Saya menunggu di loket pendaftaran.",
    commit: bool = True,
    **fields: object,
) -> Complaint:
    """One case as the submission path stores it, reported at a counter of `agency`/`unit`.

    - `service`: the counter (a service of the unit); by default the unit's first one.
    - `region`: only a check; the region is the agency's in the routing file.
    - `due`: the running deadline (`due_key`, what the queue sorts and filters by). By
      default the one the status runs, as the case services keep it: verification while
      new, follow-up while verified or in progress, the citizen's feedback once responded,
      none on hold or finished. A date given for a status that runs a deadline also
      becomes that deadline's column, as the app keeps them equal. `NO_DEADLINE`: none.
    - `fields`: any other column, set as given (e.g. `reporter_email`, `channel`,
      `feedback_due`, `events=[]`), overriding what the factory would fill in.

    The case lands where the routing file sends reports of that counter: its own unit
    unless a rule says otherwise (a category such as "pungutan-liar" goes to the
    Inspektorat). A counter the routing file does not know raises UnknownServicePoint
    rather than storing a case no poster could have produced. The texts are not held to
    the intake rules (portal/intake/report.py): a test picks the words it searches for.
    """
    router = get_router()
    supervised = bool(fields.get("supervised", False))
    destination = router.route(
        agency,
        unit,
        service or _first_service(router, agency, unit),
        classification=classification,
        category=category,
        supervised=supervised,
    )
    if region is not None and region != destination.region.id:
        raise ValueError(f"{agency}/{unit} reports go to {destination.region.id}, not {region}")
    submitted_at = submitted_at or utcnow()
    calendar = calendar_for(router.holidays_for(destination.region.id))
    deadlines = deadlines_for(
        submitted_at,
        destination.region.timezone,
        destination.clocks,
        classification,
        supervised,
        calendar,
    )
    columns: dict[str, object] = {
        "verify_due": deadlines.verify_due,
        "followup_due": deadlines.followup_due,
    }
    if status == s.RESPONDED:  # as if answered on the day it arrived
        day = local_date(submitted_at, destination.region.timezone)
        columns["feedback_due"] = calendar.add_working_days(day, destination.clocks.feedback)
    columns.update({name: fields.pop(name) for name in _DEADLINE_COLUMNS if name in fields})
    running = _RUNNING_DEADLINE.get(status)
    if due is None:
        due = columns.get(running, NO_DEADLINE) if running else NO_DEADLINE
    elif running and due != NO_DEADLINE:
        columns[running] = due
    columns["due_key"] = due

    n = next(_serial)
    key = f"factory-report-{n:06d}"  # as long as a form's one-time key must be
    secret = current_app.config["SECRET_KEY"]
    digest = submission_digest(secret, key)
    origin = destination.origin
    values = {
        "tracking_code": _free_code(destination.region.prefix, n),
        "access_token_hash": token_hash(access_token_for(secret, digest)),
        "submission_digest": digest,
        "region_id": destination.region.id,
        "origin_agency_id": origin.agency.id,
        "origin_unit_id": origin.unit.id,
        "origin_service_id": origin.service.id,
        "agency_id": destination.agency.id,
        "unit_id": destination.unit.id,
        "classification": classification,
        "category": category,
        "title": title,
        "description": description,
        "reporter_name": None if anonymous else "Siti Aminah",
        "anonymous": anonymous,
        "confidential": confidential,
        "channel": WEB,
        "status": status,
        "routing_version": destination.version,
        "routing_rule": destination.rule_id,
        "submitted_at": submitted_at,
        "clocks_json": json.dumps(asdict(destination.clocks)),
        "events": [Event(kind="submitted", public=True, created_at=submitted_at)],
        **columns,
        **fields,
    }
    complaint = Complaint(**values)
    db.session.add(complaint)
    if commit:
        db.session.commit()
    return complaint


def _first_service(router: Router, agency: str, unit: str) -> str:
    """The unit's first counter in the routing file, or "" (which route() refuses)."""
    found = router.agency(agency)
    for candidate in found.units if found else ():
        if candidate.id == unit and candidate.services:
            return candidate.services[0].id
    return ""


def _free_code(prefix: str, n: int) -> str:
    """A well-formed code of the region (the citizen pages and the search accept it) that
    is deterministic per call and not already taken by a report a test filed for real."""
    space = len(ALPHABET) ** LENGTH
    while True:
        number, body = (n * _STEP) % space, ""
        for _ in range(LENGTH):
            number, digit = divmod(number, len(ALPHABET))
            body += ALPHABET[digit]
        code = f"{prefix}-{body}"
        with db.session.no_autoflush:  # rows still pending are the factory's: never equal
            taken = db.session.scalar(select(Complaint.id).filter_by(tracking_code=code))
        if taken is None:
            return code
        n = next(_serial)

"""Issue 15 attacked: bad rows, races and routes the features' own tests did not try."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from portal.accounts.services import find_by_email
from portal.cases.sla import tick
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from tests.factories import stored_complaint
from tests.functional.case_actions import act
from tests.functional.test_bulk_actions import _case as bulk_case
from tests.functional.test_bulk_actions import _post as bulk_post
from tests.functional.test_bulk_actions import _refusals as bulk_refusals
from tests.functional.test_case_holders import AGENCY, UNIT
from tests.functional.test_counter_intake import case as counter_case
from tests.functional.test_counter_intake import post_counter, slip_code
from tests.functional.test_counter_intake import staff as _counter_staff
from tests.functional.test_holds import at, citizen_mail, held_case, load

# --- the hold tick and a case whose stored clocks cannot be read ---------------------------


@pytest.mark.parametrize(
    "garbage", ["not json", "[]", '{"hold": 0}', '{"hold": "ten"}', '{"unknown_key": 1}']
)
def test_a_held_case_with_unreadable_clocks_does_not_stop_the_tick(app, router, caplog, garbage):
    broken = held_case(clocks_json=garbage)
    fine = held_case()
    broken_code, fine_code, fine_id = broken.tracking_code, fine.tracking_code, fine.id

    result = tick(router, now=at(date(2026, 4, 20)))

    # The readable case ends as it should; the broken one is left as it was and named in
    # the log, for someone to repair, instead of every region's tick failing on it.
    assert result.holds_resumed == 1
    assert load(fine_code).status == s.VERIFIED
    assert len(citizen_mail("hold_expired", fine_id)) == 1
    assert load(broken_code).status == s.ON_HOLD
    assert broken_code in caplog.text or str(broken.id) in caplog.text


# --- races: two people act on one case at the same moment -----------------------------------


@contextmanager
def concurrent_write_before_flush(complaint_id: int, **values):
    """While the request is about to write, another transaction (an admin in another tab,
    another worker) commits its own change of the same case: what two simultaneous
    requests do to each other, reproduced deterministically."""
    fired = []

    def other_writer(session, _flush_context, _instances):
        if fired or not any(isinstance(o, Complaint) for o in session.dirty):
            return
        fired.append(True)
        with db.engine.begin() as conn:
            conn.execute(
                update(Complaint)
                .where(Complaint.id == complaint_id)
                .values(version_id=Complaint.version_id + 1, **values)
            )

    event.listen(Session, "before_flush", other_writer)
    try:
        yield fired
    finally:
        event.remove(Session, "before_flush", other_writer)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="SQLite serialises writers: the second waits for the first, no interleaving",
)
@pytest.mark.parametrize("action", ["take", "assign"])
def test_take_and_assign_at_the_same_moment_answer_409_and_lose_nothing(staff, action):
    complaint = stored_complaint(status=s.VERIFIED)
    code, case_id = complaint.tracking_code, complaint.id
    agency_id = find_by_email(AGENCY).id
    unit_id = find_by_email(UNIT).id
    # The page is open at the case's version; meanwhile the agency officer assigns it to
    # themselves (the other request); this request takes it / assigns it to the unit officer.
    client = staff["unit"] if action == "take" else staff["admin"]
    fields = {"assignee": str(unit_id)} if action == "assign" else {}
    with concurrent_write_before_flush(case_id, assigned_user_id=agency_id) as fired:
        response = act(client, code, action, **fields)
    assert fired, "the concurrent write did not happen"
    assert response.status_code == 409, response.status_code
    page = response.get_data(as_text=True)
    assert "sudah diubah orang lain" in page
    db.session.expire_all()
    case = db.session.get(Complaint, case_id)
    assert case.assigned_user_id == agency_id  # the other request's change is kept
    assert [e.kind for e in case.events if e.kind in ("take", "assign")] == []


# --- the counter slip of a report the rules route away from the clerk -----------------------


counter_staff = pytest.fixture(_counter_staff.__wrapped__, name="counter_staff")


def test_the_clerk_prints_the_slip_of_a_report_routed_out_of_their_reach(counter_staff, h):
    """A walk-in complains of an extortionate officer at the poli's own counter: the rules
    send it to the Inspektorat, which the poli's clerk cannot open. The clerk still hands
    over the slip (code and QR) they just filed, but only within the slip's window; after it
    the case is as closed to them as any other case outside their reach."""
    staff = counter_staff
    clerk = staff["unit"]
    response = post_counter(clerk, h, category="pungutan-liar")
    code = slip_code(response)
    assert (counter_case(code).agency_id, counter_case(code).unit_id) == (
        "inspektorat-kalsel",
        "irban-khusus",
    )
    assert clerk.get(f"/staf/kasus/{code}").status_code == 404  # not theirs to handle

    slip = clerk.get(f"/staf/loket/struk/{code}")
    assert slip.status_code == 200, slip.status_code
    assert code in slip.get_data(as_text=True) and 'id="slip-qr"' in slip.get_data(as_text=True)
    assert clerk.get(f"/staf/loket/struk/{code}/qr.png").status_code == 200
    # Nobody else outside the case's reach, and not the clerk after the window.
    assert staff["hst_admin"].get(f"/staf/loket/struk/{code}").status_code == 404
    complaint = counter_case(code)
    complaint.submitted_at = complaint.submitted_at - timedelta(minutes=31)
    db.session.commit()
    assert clerk.get(f"/staf/loket/struk/{code}").status_code == 404
    assert clerk.get(f"/staf/loket/struk/{code}/qr.png").status_code == 404


# --- duplicates of a case that nobody will handle ------------------------------------------


def test_two_cases_cannot_be_archived_as_each_others_duplicates(staff):
    """A archived as a duplicate of B, then B (in the same bulk round or later) as a
    duplicate of A: both archived, each citizen told the other one is being handled, and
    nobody handles either. An original that is itself archived is refused, singly and in
    bulk, and both stay as they were."""
    first = stored_complaint(status=s.NEW).tracking_code
    second = stored_complaint(status=s.NEW).tracking_code
    spam = stored_complaint(status=s.NEW).tracking_code
    assert act(staff["admin"], first, "reject_duplicate", duplicate_of=second).status_code == 303

    single = act(staff["admin"], second, "reject_duplicate", duplicate_of=first)
    assert single.status_code == 400
    assert "sudah diarsipkan" in single.get_data(as_text=True)
    assert bulk_case(second).status == s.NEW

    response = bulk_post(staff["admin"], "duplicate", [second], duplicate_of=first)
    assert response.status_code == 409
    (refusal,) = [r for r in bulk_refusals(response.get_data(as_text=True)) if second in r]
    assert "sudah diarsipkan" in refusal
    assert bulk_case(second).status == s.NEW and bulk_case(second).duplicate_of_id is None

    # An original archived as spam will not be handled either.
    act(staff["admin"], spam, "reject_spam", text="Iklan")
    assert act(staff["admin"], second, "reject_duplicate", duplicate_of=spam).status_code == 400
    assert bulk_case(second).status == s.NEW


# --- CSRF on the new forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/staf/kasus/{code}/tindakan/take",
        "/staf/kasus/{code}/tindakan/assign",
        "/staf/kasus/{code}/tindakan/transfer",
        "/staf/kasus/{code}/tindakan/send_back",
        "/staf/kasus/{code}/tindakan/resume",
        "/staf/antrian/massal",
        "/staf/loket",
        "/staf/aturan-rute/versi/1/pulihkan",
    ],
)
def test_every_new_form_refuses_a_post_without_its_csrf_token(staff, path):
    complaint = stored_complaint(status=s.NEW)
    code, version = complaint.tracking_code, complaint.version_id
    data = {
        "version": str(version),
        "forward_to": "hst",
        "text": "Bukan wewenang kami",
        "action": "spam",
        "kode": [code],
        "assignee": str(find_by_email(UNIT).id),
    }
    response = staff["admin"].post(path.format(code=code), data=data)
    assert response.status_code == 400, response.status_code
    db.session.expire_all()
    case = db.session.get(Complaint, complaint.id)
    assert (case.region_id, case.status, case.version_id) == ("kalsel", s.NEW, version)

"""Duplicate hints and duplicate-of links never reveal a case the viewer may not open.

The scenario of the issue, through the real citizen form: at RSUD Ulin's registration
counter a citizen files a Rahasia + Anonim bribery report (category pungutan liar, sent by
the integrity rule `kalsel-integritas` to the Inspectorate), and someone else files an
ordinary complaint with a similar title that stays with the unit complained about. The
unit's officer must learn nothing of the bribery report from the ordinary case's page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.services import create_user
from portal.cases.services import ActionInput, ActionInputError, Actor, perform
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.staff.scoping import visible_complaints
from tests.functional.case_actions import act

PASSWORD = "kata-sandi-uji-123"
ACCOUNTS = {
    "unit": dict(role="unit-officer", agency="rsud-ulin", unit="poli-umum"),
    "agency": dict(role="agency-officer", agency="rsud-ulin"),
    "inspectorate": dict(role="agency-officer", agency="inspektorat-kalsel"),
    "admin": dict(role="regional-admin", region="kalsel"),
}
BRIBERY_TITLE = "Petugas loket pendaftaran minta uang pelicin"
ORDINARY_TITLE = "Petugas loket pendaftaran minta uang antrean"


@pytest.fixture
def people(app, router, h):
    clients = {}
    for name, spec in ACCOUNTS.items():
        email = f"{name}@kalsel.example.org"
        create_user(router, email=email, password=PASSWORD, **spec)
        client = app.test_client()
        assert h.login(client, email, PASSWORD).status_code == 302
        clients[name] = client
    return clients


@pytest.fixture
def reports(client, h, ulin_payload):
    """(bribery code, ordinary code, ordinary private token), both from the same poster."""
    url = f"/q/{ulin_payload}"
    bribery, _ = h.receipt(
        h.post_report(
            client,
            url,
            title=BRIBERY_TITLE,
            description="Petugas meminta Rp50.000 agar nomor antrean saya didahulukan.",
            category="pungutan-liar",
            confidential="y",
            anonymous="y",
            reporter_name=None,
        )
    )
    ordinary, token = h.receipt(
        h.post_report(client, url, title=ORDINARY_TITLE, category="kualitas-layanan")
    )
    return bribery, ordinary, token


def _case(code: str) -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint).where(Complaint.tracking_code == code)).scalar_one()


def test_the_integrity_rule_splits_the_two_reports(reports):
    bribery, ordinary, _ = reports
    b, o = _case(bribery), _case(ordinary)
    assert (b.agency_id, b.unit_id, b.routing_rule) == (
        "inspektorat-kalsel",
        "irban-khusus",
        "kalsel-integritas",
    )
    assert b.confidential and b.anonymous
    assert (o.agency_id, o.unit_id) == ("rsud-ulin", "poli-umum") and not o.confidential
    assert (b.origin_agency_id, b.origin_unit_id, b.origin_service_id) == (
        o.origin_agency_id,
        o.origin_unit_id,
        o.origin_service_id,
    )


def test_unit_officer_reads_nothing_of_the_bribery_report(people, reports):
    bribery, ordinary, _ = reports
    for viewer in ("unit", "agency"):
        page = people[viewer].get(f"/staf/kasus/{ordinary}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert ORDINARY_TITLE in html
        assert bribery not in html
        assert BRIBERY_TITLE not in html
        assert "Mungkin duplikat" not in html  # the only candidate is out of reach
        assert people[viewer].get(f"/staf/kasus/{bribery}").status_code == 404


def test_hints_still_work_for_whoever_may_open_both(people, reports):
    """The control that keeps the test above honest: the titles are similar enough."""
    bribery, ordinary, _ = reports
    html = people["admin"].get(f"/staf/kasus/{ordinary}").get_data(as_text=True)
    assert "Mungkin duplikat" in html and bribery in html and BRIBERY_TITLE in html


def test_the_inspectorate_is_not_shown_the_units_cases_either(people, reports):
    bribery, ordinary, _ = reports
    html = people["inspectorate"].get(f"/staf/kasus/{bribery}").get_data(as_text=True)
    assert BRIBERY_TITLE in html
    assert ordinary not in html and ORDINARY_TITLE not in html
    assert people["inspectorate"].get(f"/staf/kasus/{ordinary}").status_code == 404


def test_queue_counts_and_search_do_not_reveal_the_bribery_report(people, reports):
    bribery, ordinary, _ = reports
    for query in ("", "?q=pelicin", "?status=all"):
        html = people["unit"].get(f"/staf/antrian{query}").get_data(as_text=True)
        assert bribery not in html and BRIBERY_TITLE not in html
    # Searching for the code itself echoes the search, but finds no row.
    html = people["unit"].get(f"/staf/antrian?q={bribery}&status=all").get_data(as_text=True)
    assert f"/staf/kasus/{bribery}" not in html and BRIBERY_TITLE not in html
    html = people["unit"].get("/staf/antrian?status=all").get_data(as_text=True)
    assert ordinary in html
    # One case in reach, so every count the page shows is 0 or 1.
    assert '<span class="count">2' not in html


def test_archiving_as_duplicate_of_a_rahasia_case_keeps_its_code_off_public_pages(
    people, reports, client
):
    bribery, ordinary, token = reports
    assert (
        act(people["admin"], ordinary, "reject_duplicate", duplicate_of=bribery).status_code == 303
    )
    assert _case(ordinary).duplicate_of_id == _case(bribery).id

    for url in (f"/lacak/{ordinary}?t={token}", f"/lacak/{ordinary}"):
        page = client.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert bribery not in html and BRIBERY_TITLE not in html
        assert "Laporan ini sama dengan laporan lain yang sudah ditangani." in html

    # The unit still sees its archived case, but not which case it duplicates.
    html = people["unit"].get(f"/staf/kasus/{ordinary}").get_data(as_text=True)
    assert "Duplikat dari" in html and bribery not in html
    # Whoever may open the original gets the link.
    html = people["admin"].get(f"/staf/kasus/{ordinary}").get_data(as_text=True)
    assert f"/staf/kasus/{bribery}" in html
    # The public event (timeline, SP4N-LAPOR! mirror) does not carry the code either.
    assert all(bribery not in (e.note or "") for e in _case(ordinary).events)


def test_archiving_as_duplicate_of_an_ordinary_case_still_links_it(people, client, h, ulin_payload):
    url = f"/q/{ulin_payload}"
    first, _ = h.receipt(h.post_report(client, url, title="Antrean loket lama sekali"))
    second, token = h.receipt(h.post_report(client, url, title="Antrean di loket lama sekali"))
    assert act(people["admin"], second, "reject_duplicate", duplicate_of=first).status_code == 303
    assert f"/lacak/{first}" in client.get(f"/lacak/{second}?t={token}").get_data(as_text=True)


def test_duplicate_of_lookup_goes_through_the_actors_scope(app, people, reports, router):
    """The named original is looked up within the scope handed in: a code the actor cannot
    open is 'not found', exactly like a code that does not exist."""
    bribery, ordinary, _ = reports
    officer = db.session.execute(
        select(User).where(User.email == "agency@kalsel.example.org")
    ).scalar_one()
    complaint = _case(ordinary)
    with app.test_request_context(), pytest.raises(ActionInputError) as refused:
        perform(
            complaint,
            "reject_duplicate",
            Actor("regional-admin", None),
            ActionInput(duplicate_of=bribery),
            router=router,
            expected_version=None,
            scope=visible_complaints(officer),
        )
    assert refused.value.field == "duplicate_of"
    db.session.rollback()
    assert _case(ordinary).status == "new" and _case(ordinary).duplicate_of_id is None

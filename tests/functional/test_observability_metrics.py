"""/metrics: who may read it, what it says after real requests, and that a database outage
does not take it down (tests/functional/test_outage_pages.py's dead-database pattern)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from portal import create_app
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.routing.versions import newest_id
from tests.factories import stored_complaint
from tests.functional.test_outage_pages import closed_port_url, environ

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-test-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def scraping(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return app


def scrape(client) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one good scrape."""
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def submitted(samples, channel: str) -> float:
    return samples.get(("aduan_reports_submitted_total", (("channel", channel),)), 0.0)


def test_refused_without_a_configured_token(client, app):
    assert app.config["METRICS_TOKEN"] == ""
    for headers in ({}, {"Authorization": "Bearer "}, BEARER):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 403
        assert response.mimetype == "text/plain" and b"METRICS_TOKEN" in response.data
        assert "Set-Cookie" not in response.headers


def test_a_missing_or_wrong_token_is_401(scraping, client):
    for headers in (
        {},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
    ):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.headers["Cache-Control"] == "no-store"
        assert b"aduan_" not in response.data
    assert client.get("/metrics", headers=BEARER).status_code == 200


def test_a_filed_report_counts_once_and_its_receipt_waits_in_the_outbox(
    scraping, client, h, ulin_payload
):
    before = scrape(client)
    url = f"/q/{ulin_payload}"
    hidden = h.open_form(client, url)
    photo = (h.io.BytesIO(h.image_bytes()), "bukti.jpg")
    first = h.receipt(h.post_report(client, url, hidden=hidden, files=[photo]))
    # The same form sent again (a double tap, a retry): the same receipt, not a new report.
    again = h.receipt(h.post_report(client, url, hidden=hidden, same_browser=True))
    assert again == first
    after = scrape(client)
    assert submitted(after, "web") == submitted(before, "web") + 1
    assert submitted(after, "counter") == submitted(before, "counter")
    waiting = db.session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
    ).scalar_one()
    assert waiting >= 1  # the citizen's receipt (and the unit's notice)
    assert after[("aduan_outbox_pending", (("channel", "email"),))] == waiting
    assert after[("aduan_outbox_dead", (("channel", "email"),))] == 0
    assert after[("aduan_outbox_oldest_pending_seconds", (("channel", "email"),))] >= 0
    assert after[("aduan_database_up", ())] == 1
    # One given up: dead 1, pending one less.
    one = db.session.execute(select(OutboxMessage.id).limit(1)).scalar_one()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == one).values(status="dead"))
    db.session.commit()
    later = scrape(client)
    assert later[("aduan_outbox_dead", (("channel", "email"),))] == 1
    assert later[("aduan_outbox_pending", (("channel", "email"),))] == waiting - 1
    for channel in ("whatsapp", "sms", "national"):
        assert ("aduan_outbox_pending", (("channel", channel),)) in later
    assert later[("aduan_national_mirror_failed", ())] == 0
    # The latency histogram has the report form's route template, never its payload.
    routes = {dict(labels).get("route") for name, labels in later if "duration" in name}
    assert "/q/<payload>" in routes and not any(ulin_payload in (r or "") for r in routes)


def test_overdue_cases_per_region_and_the_routing_version(scraping, client, router):
    stored_complaint(agency="rsud-ulin", unit="poli-umum", due=date.today() - timedelta(days=10))
    stored_complaint(agency="rsud-ulin", unit="poli-umum", due=date.today() - timedelta(days=3))
    stored_complaint(agency="rsud-ulin", unit="poli-umum", due=date.today() + timedelta(days=30))
    stored_complaint(
        agency="rsud-ulin", unit="poli-umum", status="closed", due=date.today() - timedelta(days=9)
    )
    samples = scrape(client)
    assert samples[("aduan_cases_overdue", (("region", "kalsel"),))] == 2
    for region in router.regions:
        assert ("aduan_cases_overdue", (("region", region.id),)) in samples
    assert samples[("aduan_cases_overdue", (("region", "hst"),))] == 0
    with db.engine.connect() as connection:
        active = newest_id(connection) or 0  # 0 until a first version is stored
    assert samples[("aduan_routing_active_version", ())] == active
    assert samples[("aduan_routing_loaded_version", ())] == active
    # A new version activated: both follow it.
    from portal.routing.versions import Activation, activate

    text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    version, _router = activate(
        text + "\n# edited for the metrics test\n",
        None,
        Activation(author="metrics@example.org", source="cli", comment="metrics test"),
    )
    samples = scrape(client)
    assert samples[("aduan_routing_active_version", ())] == version.id > active
    assert samples[("aduan_routing_loaded_version", ())] == version.id


def test_answers_while_the_database_is_unreachable(tmp_path):
    app = create_app(environ=environ(tmp_path, closed_port_url(), METRICS_TOKEN=TOKEN))
    client = app.test_client()
    samples = scrape(client)
    assert samples[("aduan_database_up", ())] == 0
    assert not any(name.startswith("aduan_outbox") for name, _ in samples)
    assert ("aduan_routing_loaded_version", ()) in samples
    # Still refused without the token, and the failed tries are rate limited per address.
    statuses = [client.get("/metrics").status_code for _ in range(35)]
    assert statuses[0] == 401 and statuses[-1] == 429
    limited = client.get("/metrics")
    assert limited.mimetype == "text/plain" and int(limited.headers["Retry-After"]) > 0

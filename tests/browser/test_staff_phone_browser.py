"""A regional admin works from a 360 px phone: nothing sticks out sideways, and the case
page shows its actions as short lines that open one form at a time (no JavaScript)."""

from __future__ import annotations

from pathlib import Path

from flask import url_for
from sqlalchemy import update

from portal.accounts.services import create_user
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.routing import versions
from tests.browser.pages import sign_in

EMAIL, PASSWORD = "admin@kalsel.example.org", "kata-sandi-uji-123"
ROUTING_FILE = Path(__file__).resolve().parents[2] / "routing_rules.yaml"
WIDTH = "document.scrollingElement.scrollWidth"
# The action forms whose fields a person can see (a shut <details> hides its form).
SHOWN_FORMS = (
    "[...document.querySelectorAll('#case-actions .action-form')]"
    ".filter(f => f.checkVisibility()).map(f => f.id)"
)


def _english_case(app, h, ulin_payload) -> str:
    code, _token = h.receipt(h.post_report(app.test_client(), f"/q/{ulin_payload}"))
    db.session.execute(update(Complaint).where(Complaint.tracking_code == code).values(locale="en"))
    db.session.commit()
    return code


def _staff_pages(app, code: str) -> dict[str, str]:
    with app.test_request_context():
        return {
            "queue": url_for("staff.queue"),
            "case": url_for("cases.case", code=code),
            "routing-history": url_for("routing_admin.history"),
            "national": url_for("national.index"),
            "dashboard": url_for("dashboard.region_view"),
            "abuse": url_for("abuse.region", region_id="kalsel"),
            "api-keys": url_for("api_keys.index"),
            "dead-email": url_for("notifications.dead_messages"),
            "dead-phone": url_for("phone_messages.dead_messages"),
        }


def test_no_staff_page_is_wider_than_a_phone(
    app, router, h, ulin_payload, live_server, phone, screenshots
):
    code = _english_case(app, h, ulin_payload)
    versions.seed_from_file(ROUTING_FILE.read_text(encoding="utf-8"), ROUTING_FILE.name)
    create_user(router, email=EMAIL, password=PASSWORD, role="regional-admin", region="kalsel")
    page = sign_in(phone(javascript=False), live_server, EMAIL, PASSWORD)
    too_wide = {}
    for name, path in _staff_pages(app, code).items():
        answer = page.goto(f"{live_server}{path}")
        assert answer is not None and answer.status == 200, (name, answer and answer.status)
        width = page.evaluate(WIDTH)
        if width > 360:
            too_wide[name] = width
        screenshots(page, f"staff-{name}-phone")
    assert too_wide == {}
    # The staff menu's links are tap targets of at least 44 px.
    heights = page.evaluate(
        "[...document.querySelectorAll('.staff-nav a, .staff-nav button')]"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights


def test_the_case_page_opens_one_action_at_a_time_without_javascript(
    app, router, h, ulin_payload, live_server, phone, screenshots
):
    from playwright.sync_api import expect

    code = _english_case(app, h, ulin_payload)
    create_user(router, email=EMAIL, password=PASSWORD, role="regional-admin", region="kalsel")
    page = sign_in(phone(javascript=False), live_server, EMAIL, PASSWORD)
    page.get_by_role("link", name="Antrean pendaftaran sangat lama").first.click()
    expect(page.locator("#case-status")).to_be_visible()
    assert page.url.endswith(f"/staf/kasus/{code}")  # the title is the link to the case
    expect(page.locator("#case-language")).to_contain_text("English")

    # At first only the next step (verifying a new case) shows its fields.
    assert page.evaluate(SHOWN_FORMS) == ["form-verify"]
    expect(page.locator("#note-verify")).to_be_visible()
    expect(page.locator("#text-spam")).to_be_hidden()
    # Archiving as spam is marked as destructive, in words, not only in red.
    expect(page.locator("#action-reject_spam summary")).to_contain_text("mengakhiri penanganan")

    page.locator("#action-note summary").click()
    expect(page.locator("#text-note")).to_be_visible()
    assert page.evaluate(SHOWN_FORMS) == ["form-note"]  # the other one shut itself
    screenshots(page, "staff-case-actions-phone")
    assert page.evaluate(WIDTH) <= 360

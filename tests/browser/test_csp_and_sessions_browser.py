"""The strict Content-Security-Policy breaks nothing, and a sign-out ends the session in a
real Chromium, a second browser and a copied cookie included.

Chromium reports every blocked inline style, script or foreign resource as a
`securitypolicyviolation` event and as a console error; both are collected on the main
page of every family (citizen form, private case page, public statistics, staff queue,
case, dashboard, routing editor, posters, account page). A deliberate violation at the
start proves the collector hears them.
"""

from __future__ import annotations

import re

import pytest

from portal.accounts.services import create_user
from tests.browser.pages import sign_in
from tests.functional.dashboard_data import seed_known_history

pytestmark = pytest.mark.browser

PASSWORD = "kata-sandi-uji-123"
EMAIL = "super@example.org"
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def watch(context):
    """Collect violations (events and console errors) on every page of the context."""
    context.add_init_script(COLLECT)
    console: list[str] = []
    context.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return console


def violations(page) -> list[str]:
    return page.evaluate("window.__csp")


def test_no_page_of_any_family_violates_the_policy(
    app, router, client, h, ulin_payload, live_server, desktop, phone
):
    seed_known_history(router)
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    create_user(router, email=EMAIL, password=PASSWORD, role="super-admin")

    citizen = phone(javascript=True)
    citizen_console = watch(citizen)
    page = citizen.new_page()
    page.goto(f"{live_server}/")
    # The control: an inline style attribute is refused, and we hear about it.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("window.__csp.length > 0")
    assert any("style-src" in v for v in violations(page))
    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
    citizen_console.clear()

    citizen_pages = [
        f"/q/{ulin_payload}",
        f"/lacak/{code}?t={token}",
        "/lacak",
        "/statistik/kalsel",
        "/pilih/kalsel",
    ]
    for path in citizen_pages:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        # The stylesheet applied (so it was not blocked): the card background is white.
        assert (
            page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none"
        ), path
        assert violations(page) == [], path
    assert citizen_console == []

    staff = desktop()
    staff_console = watch(staff)
    page = sign_in(staff, live_server, EMAIL, PASSWORD)
    staff_pages = [
        "/staf/antrian",
        f"/staf/kasus/{code}",
        "/staf/dasbor?daerah=kalsel",
        "/staf/aturan-rute/semua",
        "/staf/poster/",
        "/staf/akun",
        "/staf/templat",
    ]
    for path in staff_pages:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert violations(page) == [], path
    # The dashboard's SVG charts take their colours from the stylesheet, not from style=.
    page.goto(f"{live_server}/staf/dasbor?daerah=kalsel")
    assert page.locator("svg.chart").count() >= 1
    assert violations(page) == []
    # The staff menu is laid out by the stylesheet's class, not an inline style.
    page.goto(f"{live_server}/staf/antrian")
    assert page.evaluate("getComputedStyle(document.querySelector('.staff-nav')).display") == (
        "flex"
    )
    assert staff_console == []


def test_sign_out_ends_the_session_in_every_browser_and_for_a_copied_cookie(
    app, router, live_server, desktop
):
    from playwright.sync_api import expect

    create_user(router, email=EMAIL, password=PASSWORD, role="super-admin")
    first_context, second_context = desktop(), desktop()
    first = sign_in(first_context, live_server, EMAIL, PASSWORD)
    second = sign_in(second_context, live_server, EMAIL, PASSWORD)
    copied = first_context.cookies()
    assert any(c["name"] == app.config["SESSION_COOKIE_NAME"] for c in copied)

    with first.expect_navigation():
        first.get_by_role("button", name="Keluar", exact=True).click()
    expect(first.get_by_role("heading", level=1)).to_have_text("Masuk sebagai staf")

    second.goto(f"{live_server}/staf/antrian")
    assert re.search(r"/staf/masuk", second.url), second.url
    thief_context = desktop()
    thief_context.add_cookies(copied)
    thief = thief_context.new_page()
    thief.goto(f"{live_server}/staf/antrian")
    assert "/staf/masuk" in thief.url
    expect(thief.get_by_role("heading", level=1)).to_have_text("Masuk sebagai staf")

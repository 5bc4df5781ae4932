"""The regional secretary, on a phone in a meeting, finds the slow agency and its late cases."""

from __future__ import annotations

import re

from portal.accounts.services import create_user
from tests.browser.pages import sign_in
from tests.functional.dashboard_data import seed_known_history

EMAIL, PASSWORD = "sekda@kalsel.example.org", "kata-sandi-uji-123"


def test_a_leader_reads_the_dashboard_on_a_phone(app, router, live_server, phone, screenshots):
    from playwright.sync_api import expect

    known = seed_known_history(router)
    create_user(router, email=EMAIL, password=PASSWORD, role="leader", region="kalsel")
    page = sign_in(phone(javascript=True), live_server, EMAIL, PASSWORD)

    page.get_by_role("link", name="Dasbor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dasbor pimpinan")
    page.locator("summary", has_text="Pilih bulan sendiri").click()
    page.locator("#dari").fill("2026-03")
    page.locator("#sampai").fill("2026-04")
    page.get_by_role("button", name="Tampilkan bulan pilihan").click()
    expect(page.locator(".tile").first).to_contain_text("5")

    # The slowest desk tops the table: Bapenda, with its unanswered, overdue case.
    first_row = page.locator("#rekap tbody tr").first
    expect(first_row).to_contain_text("Badan Pendapatan Daerah")
    expect(page.locator("#terlambat")).to_contain_text(known.d)
    # Nothing sticks out sideways on a 360 px screen: the table turns into cards.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("svg.chart").count() == 3
    screenshots(page, "dashboard-phone")

    page.get_by_role("link", name=re.compile("^RSUD Ulin")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("RSUD Ulin")
    expect(page.locator("#rekap")).to_contain_text("Poli Umum")
    expect(page.locator("#terlambat")).to_contain_text(known.f)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshots(page, "dashboard-agency-phone")

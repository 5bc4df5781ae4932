"""Steps a person takes in the browser, shared by the browser tests."""

from __future__ import annotations

import re


def sign_in(context, base: str, email: str, password: str):
    """A staff member signs in through the real form and lands on the queue."""
    page = context.new_page()
    page.goto(f"{base}/staf/masuk")
    page.locator("input[name='email']").fill(email)
    page.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("heading", name=re.compile("^Antrean laporan")).wait_for()
    return page


def open_action(page, action: str) -> None:
    """Open one action of the staff case page (a line that unfolds its form) if it is shut."""
    details = page.locator(f"#action-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()

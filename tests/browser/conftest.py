"""Fixtures for tests that drive Debian's Chromium (through Playwright) against the live app.

Playwright never downloads a browser here: it launches the system Chromium. When Chromium
or Playwright is missing the tests skip locally and fail under CI=true (tests.components).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.components import chromium, unavailable

TIMEOUT_MS = 15_000
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
# A cheap Android phone: 360 CSS px wide, 2x pixel ratio, touch, Indonesian locale.
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "id-ID"}
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
}
SHARED_SCREENS = Path("/tmp/aduan-screens")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (closed before the next, non-browser tests)."""
    executable = chromium()
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable, headless=True, args=LAUNCH_ARGS, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(browser):
    """Open browser contexts at the phone viewport; closes them after the test.

    `phone(javascript=False)` is what the citizen journey must work with.
    """
    yield from _contexts(browser, lambda javascript: {"java_script_enabled": javascript, **PHONE})


@pytest.fixture
def desktop(browser):
    """Open desktop-sized contexts (JavaScript on) for staff; closes them after the test."""
    yield from _contexts(browser, lambda: DESKTOP)


def _contexts(browser, options):
    """A factory of browser contexts built with `options(...)`, all closed afterwards."""
    contexts = []

    def open_context(*args, **kwargs):
        context = browser.new_context(**options(*args, **kwargs))
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def screenshots(tmp_path):
    """Save a page screenshot into the test's tmp dir and a copy in /tmp/aduan-screens/."""
    folder = tmp_path / "screens"
    folder.mkdir()

    def shoot(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        SHARED_SCREENS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, SHARED_SCREENS / path.name)
        return path

    return shoot

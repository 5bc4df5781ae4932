"""403 and 405 answer with the portal's own page, in the reader's language, never
Werkzeug's bare English, and keep their status (and the Allow header for 405)."""

from __future__ import annotations

import pytest

from portal.accounts.services import create_user

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def leader(app, router, h):
    create_user(
        router, email="pimpinan@example.org", password=PASSWORD, role="leader", region="kalsel"
    )
    client = app.test_client()
    assert h.login(client, "pimpinan@example.org", PASSWORD).status_code == 302
    return client


def test_403_is_the_portals_page_in_both_languages(leader):
    response = leader.get("/staf/templat")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Akses ditolak" in page and "hubungi admin wilayah Anda" in page
    assert "Forbidden" not in page and 'href="/static/app.css' in page
    leader.get("/bahasa/en")
    page = leader.get("/staf/templat").get_data(as_text=True)
    assert "Access denied" in page and "contact your regional admin" in page


def test_405_is_the_portals_page_in_both_languages_and_keeps_allow(client):
    response = client.get("/staf/keluar")
    assert response.status_code == 405
    assert response.headers["Allow"].split(", ") and "POST" in response.headers["Allow"]
    page = response.get_data(as_text=True)
    assert "Cara membuka halaman ini tidak didukung" in page
    assert "Method Not Allowed" not in page
    client.get("/bahasa/en")
    page = client.get("/staf/keluar").get_data(as_text=True)
    assert "This page cannot be opened this way" in page

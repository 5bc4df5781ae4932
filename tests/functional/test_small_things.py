"""Issue 17, item 9: the stylesheet stays cached, a real favicon, HEAD answers like GET,
and the development links follow the port `make run` serves on."""

from __future__ import annotations

import re

import pytest

from portal.config import ConfigError, load_config

ULIN = ("rsud-ulin", "poli-umum", "pendaftaran")


def _stylesheet_url(client) -> str:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page)
    assert match, "the stylesheet link carries no content version"
    return match.group(1)


def test_a_revalidated_stylesheet_stays_cached_for_a_year(client):
    """A 304 answered no-cache would overwrite the cached headers: every page would ask again."""
    url = _stylesheet_url(client)
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Expires" not in first.headers  # it said "now" next to a year's max-age


def test_static_files_do_not_vary_on_the_cookie(client):
    """A new cookie (language, CSRF session) must not make the browser fetch it again."""
    client.get("/bahasa/en")  # a cookie in the jar
    url = _stylesheet_url(client)
    for response in (client.get(url), client.get("/favicon.ico")):
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "Set-Cookie" not in response.headers
    # Pages still vary: they depend on the language and the session.
    assert "Cookie" in client.get("/").headers.get("Vary", "")


def test_the_favicon_is_a_small_icon_cached_long(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file, not an error page
    assert len(response.data) < 4096
    assert response.headers["Cache-Control"] == "public, max-age=604800"
    page = client.get("/").get_data(as_text=True)
    link = re.search(r'<link rel="icon" href="(/favicon\.ico\?v=[0-9a-f]{12})">', page)
    assert link, "the pages name their icon under a versioned URL"
    assert client.get(link.group(1)).headers["Cache-Control"].endswith("immutable")


def test_head_on_the_form_links_answers_like_get(client, router, ulin_payload):
    code = router.find_service_point(*ULIN).short_code
    for url in (f"/q/{ulin_payload}", f"/Q/{ulin_payload.upper()}", f"/k/{code}"):
        got, head = client.get(url), client.head(url)
        assert (head.status_code, got.status_code) == (200, 200), url
        assert head.data == b""
        assert head.headers["Content-Type"] == got.headers["Content-Type"]
        assert head.headers["Content-Security-Policy"] == got.headers["Content-Security-Policy"]
    # A bad code is still a bad code.
    assert client.head("/q/NOT-A-CODE").status_code == 400
    assert client.head("/k/ZZZZZZ").status_code == 404


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "http://127.0.0.1:5000"),
        ({"FLASK_RUN_PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"FLASK_RUN_HOST": "0.0.0.0", "FLASK_RUN_PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"FLASK_RUN_HOST": "192.168.1.20", "FLASK_RUN_PORT": "5077"}, "http://192.168.1.20:5077"),
        ({"FLASK_RUN_HOST": "::1"}, "http://[::1]:5000"),
        (
            {"FLASK_RUN_PORT": "8080", "PUBLIC_BASE_URL": "http://demo.local:9000/"},
            "http://demo.local:9000",
        ),
    ],
)
def test_the_development_base_url_follows_the_served_port(tmp_path, env, expected):
    assert load_config(env, tmp_path)["PUBLIC_BASE_URL"] == expected


def test_a_bad_port_and_a_production_without_base_url_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="FLASK_RUN_PORT"):
        load_config({"FLASK_RUN_PORT": "eighty"}, tmp_path)
    production = {
        "APP_ENV": "production",
        "SECRET_KEY": "k" * 48,
        "QR_SIGNING_KEYS": "K1:production-signing-key-0001",
        "FLASK_RUN_PORT": "8080",
    }
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(production, tmp_path)

"""Security headers on every page family, read from the app's url_map.

Every rule of the app is requested (GET rules with a GET, others with a POST that carries no
CSRF token, so nothing changes), as a signed-in super admin and as a visitor. Every
response, whatever its status (a page, a redirect, a 404, a refused form), must carry the
fixed headers; staff pages, exports and case pages must not be stored; the stylesheet is
cached for a year under its versioned URL. A rule whose arguments this file cannot fill
fails with a message saying what to add to ARGUMENTS: a new page family cannot slip by.
"""

from __future__ import annotations

import io
import re

import pytest
from flask import url_for
from sqlalchemy import select

from portal.accounts.services import create_user
from portal.complaints.models import Complaint, Photo
from portal.extensions import db
from tests.factories import stored_complaint

PASSWORD = "kata-sandi-uji-123"
FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def arguments(
    app, case_code: str, token: str, payload: str, photo_id: int = 1
) -> dict[str, object]:
    """A value for every URL argument name the app uses (within Kalimantan Selatan)."""
    return {
        "code": case_code,
        "payload": payload,
        "region_id": "kalsel",
        "agency_id": "rsud-ulin",
        "unit_id": "poli-umum",
        "lang": "en",
        "filename": "app.css",
        "verb": "balas",
        "action": "verify",
        "version_id": 1,
        "photo_id": photo_id,  # the visitor's report's photo: its private route shows it
        "template_id": 1,
        "message_id": 1,
        "phone_message_id": 1,
        "mirror_id": 1,
        "abuse_entry_id": 1,
        "api_key_id": 1,
        "user_id": 1,
        # the Open311 API: its answers carry the same headers (a 404 for the unpublished case)
        "fmt": "json",
        "service_code": "7U2-G8M",
        "service_request_id": case_code,
        "token": "t" * 32,
        "n": 1,
    }


METRICS_TOKEN = "metrics-token-for-the-walk-0123456789"


@pytest.fixture
def setting(app, router, client, h, ulin_payload, monkeypatch):
    # /metrics answers 200 only to Prometheus's bearer token (the walk sends it there).
    monkeypatch.setitem(app.config, "METRICS_TOKEN", METRICS_TOKEN)
    photo = (io.BytesIO(h.image_bytes()), "foto.jpg", "image/jpeg")
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}", files=[photo]))
    photo_id = db.session.execute(
        select(Photo.id).join(Complaint).where(Complaint.tracking_code == code)
    ).scalar_one()
    stored_complaint(agency="rsud-ulin", unit="poli-umum")
    create_user(router, email="super@example.org", password=PASSWORD, role="super-admin")
    # An account the super admin manages: its account page (/staf/pengguna/<user_id>) opens.
    officer = create_user(
        router,
        email="rsud@kalsel.example.org",
        password=PASSWORD,
        role="agency-officer",
        agency="rsud-ulin",
    )
    staff = app.test_client()
    assert h.login(staff, "super@example.org", PASSWORD).status_code == 302
    return {
        "args": {**arguments(app, code, token, ulin_payload, photo_id), "user_id": officer.id},
        "token": token,
        "staff": staff,
        "visitor": app.test_client(),
    }


def every_request(app, setting):
    """(rule, method, url) for every rule of the app; a missing argument fails loudly."""
    out = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            missing = rule.arguments - setting["args"].keys()
            assert not missing, f"{rule.rule}: add {sorted(missing)} to ARGUMENTS"
            values = {name: setting["args"][name] for name in rule.arguments}
            url = url_for(rule.endpoint, **values)
            if rule.endpoint in ("citizen.track_case", "private_link.photo"):
                url += f"?t={setting['token']}"  # the private link page, the citizen's photo
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
            out.append((rule, method, url))
    return out


def parse_csp(value: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in value.split(";"))


def test_every_rule_of_every_blueprint_sends_the_headers(app, setting):
    seen: set[str] = set()
    seen_ok: set[str] = set()
    blueprints = {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules()}
    for rule, method, url in every_request(app, setting):
        for who in ("staff", "visitor"):
            client = setting[who]
            headers = {}
            if rule.endpoint == "metrics.metrics":
                headers["Authorization"] = f"Bearer {METRICS_TOKEN}"
            response = client.open(url, method=method, headers=headers)
            where = f"{who} {method} {url} -> {response.status_code}"
            assert response.status_code < 500, where
            for name, value in FIXED.items():
                assert response.headers.get(name) == value, f"{where}: {name}"
            assert re.fullmatch(r"[0-9a-f]{32}", response.headers.get("X-Request-ID", "")), where
            assert parse_csp(response.headers["Content-Security-Policy"]) == CSP_DIRECTIVES, where
            assert "Strict-Transport-Security" not in response.headers, where  # not production
            cache = response.headers.get("Cache-Control", "")
            if url.startswith(("/staf/", "/lacak/", "/metrics")):
                assert "no-store" in cache, f"{where}: Cache-Control {cache!r}"
            seen.add(rule.endpoint.split(".")[0])
            if response.status_code == 200:
                seen_ok.add(rule.endpoint.split(".")[0])
    assert seen == blueprints
    # Every family with a page showed one; the citizen's conversation only takes posts, the
    # language switch only redirects, the account page's preferences only take a post
    # (their form is on accounts.account), and the provider webhooks answer only the provider.
    assert blueprints - seen_ok == {"conversation", "i18n", "chat", "preferences"}


def test_staff_pages_exports_and_the_private_link_are_not_stored(app, setting):
    staff, token = setting["staff"], setting["token"]
    code = setting["args"]["code"]
    for url in (
        "/staf/antrian",
        f"/staf/kasus/{code}",
        "/staf/dasbor",
        "/staf/dasbor/unduh.csv?daerah=kalsel",
        "/staf/aturan-rute/semua",
        "/staf/poster/",
        "/staf/akun",
        "/staf/pengguna/",
        f"/staf/pengguna/{setting['args']['user_id']}",
    ):
        response = staff.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers["Cache-Control"] == "no-store", url
    exported = staff.post(
        "/staf/nasional/ekspor",
        data={"csrf_token": csrf(staff, "/staf/nasional/"), "format": "jsonl"},
    )
    assert exported.status_code == 200 and exported.headers["Cache-Control"] == "no-store"
    private = setting["visitor"].get(f"/lacak/{code}?t={token}")
    assert private.status_code == 200 and private.headers["Cache-Control"] == "no-store"
    assert token in private.get_data(as_text=True)  # it is the private page
    # What the CSP forbids is what the browser gets, not only what templates hold: the
    # inline QR code (segno's SVG) carries no style attribute either.
    assert re.search(r"<svg [^>]*class=\"qr\"", private.get_data(as_text=True))
    assert not re.search(r"\sstyle=", private.get_data(as_text=True))


def csrf(client, url: str) -> str:
    from tests.helpers import hidden_fields

    return hidden_fields(client.get(url).data)["csrf_token"]


def test_public_statistics_keep_their_public_cache(app, setting):
    for url in ("/statistik", "/statistik/kalsel"):
        response = setting["visitor"].get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "Cookie" in response.headers.get("Vary", "")


def test_the_stylesheet_has_a_versioned_url_cached_for_a_year(app, setting):
    page = setting["visitor"].get("/").get_data(as_text=True)
    match = re.search(r'href="(/static/app\.css\?v=([0-9a-f]{12}))"', page)
    assert match, "the stylesheet link carries no content version"
    versioned = setting["visitor"].get(match.group(1))
    assert versioned.status_code == 200
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["X-Content-Type-Options"] == "nosniff"
    # An unversioned or outdated URL is revalidated, never pinned for a year.
    for url in ("/static/app.css", "/static/app.css?v=000000000000"):
        response = setting["visitor"].get(url)
        assert "immutable" not in response.headers.get("Cache-Control", ""), url


def test_the_version_follows_the_content(app, tmp_path):
    from portal.security_headers import static_version

    (tmp_path / "a.css").write_text("a{}")
    first = static_version(tmp_path, "a.css")
    (tmp_path / "a.css").write_text("a{color:red}")
    assert static_version(tmp_path, "a.css") not in (None, first)
    assert static_version(tmp_path, "../etc/passwd") is None
    assert static_version(tmp_path, "missing.css") is None
    assert static_version(tmp_path, "\x00a.css") is None  # found by the fuzz: was a 500
    assert static_version(tmp_path, "a" * 5000) is None


def test_a_static_url_with_a_nul_is_not_found(client):
    assert client.get("/static/%00app.css").status_code == 404


def test_hsts_only_in_production(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/").headers
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    response = client.get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


STATIC_SCRIPT = (
    r"<script src=\"\{\{ url_for\('static', filename='[a-z0-9-]+\.js'\) \}\}\" defer>"
    r"</script>"
)


def test_no_template_has_inline_script_or_style():
    """The CSP would block them; emails are not served by the app and keep theirs. A
    script is only ever a static file, `<script src="{{ url_for('static', …) }}" defer>`."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if "email" in path.relative_to(root).parts:
            continue
        text = path.read_text(encoding="utf-8")
        text = re.sub(STATIC_SCRIPT, "", text)
        for pattern in (r"<script", r"<style", r"\sstyle=", r"\son[a-z]+=", r"javascript:"):
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{path.relative_to(root)}: {pattern}")
    assert offenders == []


def test_forms_work_over_https_without_a_referer_and_cross_site_posts_are_refused(app, router, h):
    """Referrer-Policy: no-referrer means browsers send no Referer; Flask-WTF's strict
    HTTPS Referer check is replaced by Sec-Fetch-Site, which they always send."""
    create_user(router, email="super@example.org", password=PASSWORD, role="super-admin")
    client = app.test_client()
    page = client.get("/staf/masuk", base_url="https://localhost")
    token = h.hidden_fields(page.data)["csrf_token"]
    form = {"csrf_token": token, "email": "super@example.org", "password": PASSWORD}
    cross = client.post(
        "/staf/masuk",
        data=form,
        base_url="https://localhost",
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 400
    assert "Formulir kedaluwarsa" in cross.get_data(as_text=True)
    sibling = client.post(
        "/staf/masuk",
        data=form,
        base_url="https://localhost",
        headers={"Sec-Fetch-Site": "same-site"},
    )
    assert sibling.status_code == 400
    ok = client.post(
        "/staf/masuk",
        data=form,
        base_url="https://localhost",
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)[:500]

"""CSRF on every form: each route that changes state refuses a request without a token.

The test walks `app.url_map`, so a route added later is covered without editing this file.
It posts as a signed-in regional admin, to a real case, with plausible form data: if a
route ever lost its CSRF check, the request would reach the view and the test would see it.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.accounts.services import create_user
from portal.complaints.models import Complaint
from portal.extensions import db

PASSWORD = "kata-sandi-uji-123"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
CSRF_PAGE = "Formulir kedaluwarsa"
# Provider webhooks hold no cookie and so no CSRF token: each request is proven by the
# provider's signature or shared secret instead (portal/chat/routes.py); without it, 401.
SIGNED_WEBHOOKS = frozenset({"/webhook/whatsapp", "/webhook/sms"})
# Open311 clients are programs with no session either: an API key in the form is the proof;
# a staff session's cookie alone (this test's request carries no key) is refused with 403.
API_KEY_ROUTES = frozenset({"/open311/v2/requests.<fmt>"})


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }


def fill(rule: str, values: dict[str, str], case_id: int) -> str:
    """The rule's URL with each placeholder replaced by a value that reaches the view."""

    def value(match: re.Match) -> str:
        name, converter = match["name"], match["converter"]
        if name == "code" and rule.lower().startswith("/k/"):
            return values["short_code"]
        if name in values:
            return values[name]
        if converter == "any":
            return re.findall(r"[\w-]+", match[0].split("(", 1)[1])[0]
        if converter == "int":
            return str(case_id)
        return values["code"]

    return PLACEHOLDER.sub(value, rule)


def test_every_state_changing_route_refuses_a_request_without_csrf(app, h, router, ulin_payload):
    create_user(
        router,
        email="admin.kalsel@example.org",
        password=PASSWORD,
        role="regional-admin",
        region="kalsel",
    )
    citizen = app.test_client()
    code, token = h.receipt(h.post_report(citizen, f"/q/{ulin_payload}"))
    point = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran")
    admin = app.test_client()
    assert h.login(admin, "admin.kalsel@example.org", PASSWORD).status_code == 302
    assert admin.get(f"/staf/kasus/{code}").status_code == 200  # the admin may act on it
    case_id, version = db.session.execute(
        select(Complaint.id, Complaint.version_id).where(Complaint.tracking_code == code)
    ).one()

    values = {
        "code": code,
        "short_code": point.short_code,
        "payload": ulin_payload,
        "token": token,
        "t": token,
        "lang": "en",
        "region_id": "kalsel",
        "agency_id": "rsud-ulin",
        "unit_id": "poli-umum",
        "action": "note",  # a regional admin may note on a new case: it would store an event
        "verb": "balas",
        "fmt": "json",
    }
    form = {
        **h.valid_report(),
        "submission_key": "csrf-test-submission-key-000000",
        "email": "admin.kalsel@example.org",
        "password": PASSWORD,
        "t": token,
        "version": str(version),
        "text": "Catatan tanpa token CSRF: tidak boleh tersimpan.",
        "agency_id": "rsud-ulin",
        "title": "Templat tanpa token",
        "body": "Isi templat tanpa token CSRF.",
        "rating": "5",
    }
    rules = sorted(
        (r for r in app.url_map.iter_rules() if UNSAFE & set(r.methods or ())),
        key=lambda r: r.rule,
    )
    tried, wrong = [], []
    for rule in rules:
        url = fill(rule.rule, values, case_id)
        for method in sorted(UNSAFE & set(rule.methods)):
            before = row_counts()
            response = admin.open(url, method=method, data=form, query_string={"t": token})
            after = row_counts()
            tried.append(f"{method} {rule.rule}")
            body = response.get_data(as_text=True)
            if rule.rule in SIGNED_WEBHOOKS:  # no CSRF: the provider's signature instead
                if response.status_code != 401:
                    wrong.append(f"{method} {url} answered {response.status_code}, not 401")
            elif rule.rule in API_KEY_ROUTES:  # no CSRF: the API key instead
                if response.status_code != 403:
                    wrong.append(f"{method} {url} answered {response.status_code}, not 403")
            elif response.status_code != 400 or CSRF_PAGE not in body:
                wrong.append(f"{method} {url} answered {response.status_code}")
            if rule.rule in API_KEY_ROUTES:  # the refusal itself is recorded, nothing else
                if after["api_posts"] != before["api_posts"] + 1:
                    wrong.append(f"{method} {url} did not record its refused POST")
                after["api_posts"] = before["api_posts"]
            if after != before:
                changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                wrong.append(f"{method} {url} stored something: {changed}")

    assert not wrong, "\n".join(wrong)
    # The walk really found the forms we know about (so it cannot pass by finding none).
    for known in ("POST /staf/masuk", "POST /staf/keluar", "POST /q/<payload>", "POST /k/<code>"):
        assert known in tried, tried
    # The refused sign-out did not sign the admin out either.
    assert admin.get("/staf/antrian").status_code == 200

"""Act on a case the way the case page's forms and the private tracking page do."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.extensions import db
from tests.helpers import hidden_fields

PASSWORD = "kata-sandi-uji-123"
ACCOUNTS = {
    "admin": dict(email="admin@kalsel.example.org", role="regional-admin", region="kalsel"),
    "agency": dict(email="rsud@kalsel.example.org", role="agency-officer", agency="rsud-ulin"),
    "unit": dict(
        email="poli@kalsel.example.org", role="unit-officer", agency="rsud-ulin", unit="poli-umum"
    ),
    "other_unit": dict(
        email="igd@kalsel.example.org", role="unit-officer", agency="rsud-ulin", unit="igd"
    ),
    "leader": dict(email="sekda@kalsel.example.org", role="leader", region="kalsel"),
    "hst_admin": dict(email="admin@hst.example.org", role="regional-admin", region="hst"),
}


VERSION = re.compile(r'name="version" value="(\d+)"')


def act(client, code, action, version=None, **fields):
    """POST a staff action the way the case page's form does."""
    page = client.get(f"/staf/kasus/{code}")
    html = page.get_data(as_text=True)
    if page.status_code == 404:  # out of scope: take a token from a page every user can open
        html = client.get("/staf/masuk").get_data(as_text=True)
    token = hidden_fields(html)["csrf_token"]
    if version is None:  # the version the page shows, or the case's own for read-only pages
        shown = VERSION.search(html)
        version = int(shown.group(1)) if shown else current_version(code)
    data = {"csrf_token": token, "version": str(version), **fields}
    return client.post(f"/staf/kasus/{code}/tindakan/{action}", data=data)


def current_version(code: str) -> int:
    db.session.expire_all()
    stmt = select(Complaint.version_id).where(Complaint.tracking_code == code)
    return db.session.execute(stmt).scalar_one()


def citizen(client, code, token, verb, version=None, post_token=None, **fields):
    """Act through the private link; `post_token` sends another token than the page's."""
    page = client.get(f"/lacak/{code}?t={token}")
    html = page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if version is None:
        shown = VERSION.search(html)
        version = int(shown.group(1)) if shown else current_version(code)
    data = {
        "csrf_token": csrf.group(1) if csrf else "",
        "version": str(version),
        "t": post_token or token,
        **fields,
    }
    return client.post(f"/lacak/{code}/{verb}", data=data)

"""A staff world for the account pages: every kind of account, signed in cheaply."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from tests.helpers import cheap_hash, hidden_fields, login

PASSWORD = "kata-sandi-uji-123"

# name: (e-mail, role, region, agency, unit)
ACCOUNTS: dict[str, tuple[str, str, str | None, str | None, str | None]] = {
    "super": ("super@example.org", "super-admin", None, None, None),
    "super2": ("super2@example.org", "super-admin", None, None, None),
    "kalsel_admin": ("admin@kalsel.example.org", "regional-admin", "kalsel", None, None),
    "kalsel_admin2": ("admin2@kalsel.example.org", "regional-admin", "kalsel", None, None),
    "hst_admin": ("admin@hst.example.org", "regional-admin", "hst", None, None),
    "agency": ("rsud@kalsel.example.org", "agency-officer", "kalsel", "rsud-ulin", None),
    "hst_agency": ("rsud@hst.example.org", "agency-officer", "hst", "rsud-damanhuri", None),
    "unit": ("poli@kalsel.example.org", "unit-officer", "kalsel", "rsud-ulin", "poli-umum"),
    "leader": ("sekda@kalsel.example.org", "leader", "kalsel", None, None),
}


def make_accounts() -> dict[str, User]:
    """Every account of ACCOUNTS, stored with a password hash that costs next to nothing."""
    users = {}
    for name, (email, role, region, agency, unit) in ACCOUNTS.items():
        user = User(
            email=email,
            password_hash=cheap_hash(PASSWORD),
            role=role,
            region_id=region,
            agency_id=agency,
            unit_id=unit,
            active=True,
        )
        db.session.add(user)
        users[name] = user
    db.session.commit()
    return users


def signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def csrf(client) -> str:
    """A CSRF token from a page every signed-in account may open."""
    return hidden_fields(client.get("/staf/akun").data)["csrf_token"]


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

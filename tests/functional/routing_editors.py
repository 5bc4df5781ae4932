"""Signed-in editors of the routing rules ("Aturan Rute"), offered to every functional test
by conftest: a regional admin of HST and of Kalimantan Selatan, and the super admin."""

from __future__ import annotations

import pytest

from portal.accounts.services import create_user

PASSWORD = "sandi-rahasia-123"


def signed_in(app, router, h, email, role, region=None):
    create_user(router, email=email, password=PASSWORD, role=role, region=region)
    client = app.test_client()
    assert h.login(client, email, PASSWORD).status_code == 302
    return client


@pytest.fixture
def hst_admin(app, router, h):
    return signed_in(app, router, h, "admin@hst.example.org", "regional-admin", "hst")


@pytest.fixture
def kalsel_admin(app, router, h):
    return signed_in(app, router, h, "admin@kalsel.example.org", "regional-admin", "kalsel")


@pytest.fixture
def super_admin(app, router, h):
    return signed_in(app, router, h, "super@example.org", "super-admin")

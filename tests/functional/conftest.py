"""Fixtures for staff journeys: signed-in staff of Kalimantan Selatan and one fresh case."""

from __future__ import annotations

import pytest

from portal.accounts.services import create_user
from tests.functional.case_actions import ACCOUNTS, PASSWORD


@pytest.fixture
def staff(app, router, h):
    """Signed-in test clients, one per account."""
    clients = {}
    for name, spec in ACCOUNTS.items():
        create_user(router, password=PASSWORD, **spec)
        client = app.test_client()
        assert h.login(client, spec["email"], PASSWORD).status_code == 302
        clients[name] = client
    return clients


@pytest.fixture
def case(client, h, ulin_payload):
    """A fresh report from the RSUD Ulin – Poli Umum poster: (tracking code, private token)."""
    return h.receipt(h.post_report(client, f"/q/{ulin_payload}"))


from tests.functional.chat_helpers import chat_app, cloud, portal_url  # noqa: E402, F401 - chat fixtures
from tests.functional.routing_editors import (  # noqa: E402, F401 - editor fixtures
    hst_admin,
    kalsel_admin,
    super_admin,
)

"""Fixtures for staff journeys: signed-in staff of Kalimantan Selatan and one fresh case."""

from __future__ import annotations

import os
import uuid

import pytest

from portal import create_app
from portal.accounts.services import create_user
from tests import components
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
def storage() -> str:
    """Where rate limits count: memory:// on SQLite, the real local Redis when
    TEST_DATABASE_URL is set (absent Redis: skipped locally, failed under CI=true)."""
    if os.environ.get("TEST_DATABASE_URL"):
        return components.redis_url()
    return "memory://"


@pytest.fixture
def limited(app, test_environ, storage):
    """make(**settings): an app with the limiter on, the given RATELIMIT_* settings, and a
    key prefix of its own (parallel runs never share a count). Its Redis keys are deleted
    afterwards."""
    prefixes: list[str] = []

    def make(**settings: str):
        prefix = f"test-{uuid.uuid4().hex}"
        prefixes.append(prefix)
        env = {
            **test_environ,
            "RATELIMIT_ENABLED": "1",
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
            **settings,
        }
        return create_app(environ=env)

    yield make
    if storage.startswith("redis"):
        import redis

        client = redis.Redis.from_url(storage)
        for prefix in prefixes:
            for key in client.scan_iter(match=f"*{prefix}*"):
                client.delete(key)


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

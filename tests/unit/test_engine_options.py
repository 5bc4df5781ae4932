"""The database engine's options that make an outage end by itself (portal/config.py)."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config


def options(tmp_path, **env: str) -> dict:
    return load_config({"INSTANCE_PATH": str(tmp_path), **env}, tmp_path)[
        "SQLALCHEMY_ENGINE_OPTIONS"
    ]


def test_postgresql_gets_pre_ping_and_a_connect_timeout(tmp_path):
    url = "postgresql://aduan@db.example/aduan"
    assert options(tmp_path, DATABASE_URL=url) == {
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": 5},
    }
    tuned = options(tmp_path, DATABASE_URL=url, DATABASE_CONNECT_TIMEOUT="2")
    assert tuned["connect_args"] == {"connect_timeout": 2}


def test_sqlite_gets_pre_ping_only(tmp_path):
    # sqlite3 has no connect timeout; its busy timeout is set by portal/sqlite_tuning.py.
    assert options(tmp_path) == {"pool_pre_ping": True}


@pytest.mark.parametrize("value", ["1", "61", "soon"])
def test_a_connect_timeout_that_cannot_work_stops_start_up(tmp_path, value):
    with pytest.raises(ConfigError, match="DATABASE_CONNECT_TIMEOUT"):
        options(tmp_path, DATABASE_CONNECT_TIMEOUT=value)

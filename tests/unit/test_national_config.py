"""SP4N-LAPOR! mirror settings: safe defaults, and production refuses a half-set HTTP link."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "QR_SIGNING_KEYS": "K1:production-signing-key-0001",
    "PUBLIC_BASE_URL": "https://aduan.example.go.id",
    "DATABASE_URL": "sqlite:///:memory:",
}


def test_the_default_is_the_export_connector(tmp_path):
    config = load_config({"SECRET_KEY": "x" * 40}, tmp_path)
    assert config["NATIONAL_CONNECTOR"] == "export"
    assert config["NATIONAL_TIMEOUT"] == 10.0 and config["NATIONAL_MAX_ATTEMPTS"] is None
    assert config["NATIONAL_GIVE_UP_AFTER"] == 72.0 == config["OUTBOX_GIVE_UP_AFTER"]
    assert config["NATIONAL_URL"] == "" and config["NATIONAL_TOKEN"] == ""
    assert load_config(PRODUCTION, tmp_path)["NATIONAL_CONNECTOR"] == "export"


def test_production_over_http_needs_url_and_token_over_https(tmp_path):
    http = {**PRODUCTION, "NATIONAL_CONNECTOR": "http"}
    with pytest.raises(ConfigError, match="NATIONAL_URL"):
        load_config(http, tmp_path)
    with pytest.raises(ConfigError, match="NATIONAL_TOKEN"):
        load_config({**http, "NATIONAL_URL": "https://lapor.example.go.id/api"}, tmp_path)
    with pytest.raises(ConfigError, match="https"):
        load_config(
            {**http, "NATIONAL_URL": "http://lapor.example.go.id/api", "NATIONAL_TOKEN": "t"},
            tmp_path,
        )
    config = load_config(
        {
            **http,
            "NATIONAL_URL": "https://lapor.example.go.id/api",
            "NATIONAL_TOKEN": "rahasia",
            "NATIONAL_TIMEOUT": "2.5",
            "NATIONAL_MAX_ATTEMPTS": "5",
        },
        tmp_path,
    )
    assert config["NATIONAL_CONNECTOR"] == "http" and config["NATIONAL_TOKEN"] == "rahasia"
    assert config["NATIONAL_TIMEOUT"] == 2.5 and config["NATIONAL_MAX_ATTEMPTS"] == 5


@pytest.mark.parametrize(
    "env, message",
    [
        ({"NATIONAL_CONNECTOR": "ftp"}, "export or http"),
        ({"NATIONAL_CONNECTOR": "http"}, "NATIONAL_URL"),
        ({"NATIONAL_URL": "file:///etc/passwd"}, "http"),
        ({"NATIONAL_TIMEOUT": "soon"}, "NATIONAL_TIMEOUT"),
        ({"NATIONAL_MAX_ATTEMPTS": "0"}, "NATIONAL_MAX_ATTEMPTS"),
        ({"NATIONAL_GIVE_UP_AFTER": "0"}, "NATIONAL_GIVE_UP_AFTER"),
        ({"NATIONAL_GIVE_UP_AFTER": "tiga hari"}, "NATIONAL_GIVE_UP_AFTER"),
        ({"NATIONAL_GIVE_UP_AFTER": "9999"}, "NATIONAL_GIVE_UP_AFTER must be at most"),
        ({"OUTBOX_GIVE_UP_AFTER": "-1"}, "OUTBOX_GIVE_UP_AFTER"),
        ({"OUTBOX_MAX_ATTEMPTS": "many"}, "OUTBOX_MAX_ATTEMPTS"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config({"SECRET_KEY": "x" * 40, **env}, tmp_path)

"""Settings: every variable the README documents is read by load_config, and nothing else is.

Also the defaults operators rely on, and the clear refusal of a number that cannot be right.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from portal.config import PROJECT_ROOT, ConfigError, instance_folder, load_config

README = PROJECT_ROOT / "README.md"

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "QR_SIGNING_KEYS": "K1:production-signing-key-0001",
    "PUBLIC_BASE_URL": "https://aduan.example.go.id",
}


class RecordingEnv(Mapping[str, str]):
    """An environment that notes every name asked for, whichever way it is asked."""

    def __init__(self, values: Mapping[str, str]):
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return self._values[key]

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.read.add(key)
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        # Listing the environment would read names this recorder cannot see.
        raise AssertionError("configuration must ask for each variable by name")

    def __len__(self) -> int:
        return len(self._values)


def documented() -> set[str]:
    """The backticked names in the first column of the README's Configuration table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 2:
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[1]))
    assert names, "no Configuration table found in README.md"
    return names


def read_by_config(values: Mapping[str, str]) -> set[str]:
    """The names instance_folder and load_config ask for, given this environment."""
    env = RecordingEnv(values)
    load_config(env, instance_folder(env))
    return env.read


def test_the_readme_table_lists_exactly_what_load_config_reads(tmp_path):
    ordinary = read_by_config({"INSTANCE_PATH": str(tmp_path)})
    production = read_by_config({**PRODUCTION, "INSTANCE_PATH": str(tmp_path)})
    read = ordinary | production
    table = documented()
    assert sorted(read - table) == [], "read, but missing from README.md's Configuration table"
    assert sorted(table - read) == [], "in README.md's Configuration table, but never read"


def test_the_app_reads_its_environment_only_through_the_config(tmp_path):
    from portal import create_app

    values = {"APP_ENV": "testing", "SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path)}
    env = RecordingEnv(values)
    create_app(environ=env)
    assert env.read == read_by_config(values)


def test_defaults(tmp_path):
    development = load_config({}, tmp_path)
    testing = load_config({"APP_ENV": "testing"}, tmp_path)
    assert development["ROUTING_RELOAD_SECONDS"] == 1.0
    assert testing["ROUTING_RELOAD_SECONDS"] == 0.0  # tests see a new routing version at once
    assert development["DASHBOARD_REFRESH_SECONDS"] == 30.0
    assert testing["DASHBOARD_REFRESH_SECONDS"] == 0.0
    assert development["OUTBOX_MAX_ATTEMPTS"] is None  # no cap: the give-up age decides
    assert development["OUTBOX_GIVE_UP_AFTER"] == 72.0
    assert development["TRUSTED_PROXIES"] == 0
    assert development["MAIL_PORT"] == 25
    assert development["PHOTO_MAX_BYTES"] == 8 * 1024 * 1024
    assert development["PHOTO_MAX_PIXELS"] == 40_000_000
    assert development["MAX_CONTENT_LENGTH"] == 26 * 1024 * 1024
    assert development["PERMANENT_SESSION_LIFETIME"] == 8 * 3600
    assert development["WTF_CSRF_TIME_LIMIT"] == 6 * 3600
    assert development["SESSION_COOKIE_SECURE"] is False
    assert load_config({**PRODUCTION}, tmp_path)["SESSION_COOKIE_SECURE"] is True
    assert instance_folder({}) == PROJECT_ROOT / "instance"
    assert instance_folder({"INSTANCE_PATH": ""}) == PROJECT_ROOT / "instance"


def test_an_empty_value_means_the_default(tmp_path):
    config = load_config(
        {"ROUTING_RELOAD_SECONDS": "", "OUTBOX_MAX_ATTEMPTS": " ", "MAIL_PORT": ""}, tmp_path
    )
    assert config["ROUTING_RELOAD_SECONDS"] == 1.0
    assert config["OUTBOX_MAX_ATTEMPTS"] is None
    assert config["MAIL_PORT"] == 25


def test_values_are_read_from_the_environment(tmp_path):
    config = load_config(
        {
            "ROUTING_RELOAD_SECONDS": "2.5",
            "OUTBOX_MAX_ATTEMPTS": "5",
            "TRUSTED_PROXIES": "2",
            "DASHBOARD_REFRESH_SECONDS": "0",
            "MAIL_PORT": "587",
            "CSRF_TIME_LIMIT_SECONDS": "600",
        },
        tmp_path,
    )
    assert config["ROUTING_RELOAD_SECONDS"] == 2.5
    assert config["OUTBOX_MAX_ATTEMPTS"] == 5
    assert config["TRUSTED_PROXIES"] == 2
    assert config["DASHBOARD_REFRESH_SECONDS"] == 0.0
    assert config["MAIL_PORT"] == 587
    assert config["WTF_CSRF_TIME_LIMIT"] == 600
    assert instance_folder({"INSTANCE_PATH": str(tmp_path)}) == tmp_path


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("ROUTING_RELOAD_SECONDS", "-1", "ROUTING_RELOAD_SECONDS must be a number ≥ 0"),
        ("ROUTING_RELOAD_SECONDS", "sebentar", "ROUTING_RELOAD_SECONDS must be a number ≥ 0"),
        ("ROUTING_RELOAD_SECONDS", "nan", "ROUTING_RELOAD_SECONDS must be a number ≥ 0"),
        ("ROUTING_RELOAD_SECONDS", "inf", "ROUTING_RELOAD_SECONDS must be a number ≥ 0"),
        ("DASHBOARD_REFRESH_SECONDS", "-30", "DASHBOARD_REFRESH_SECONDS must be a number ≥ 0"),
        ("OUTBOX_MAX_ATTEMPTS", "0", "OUTBOX_MAX_ATTEMPTS must be a whole number ≥ 1"),
        ("OUTBOX_MAX_ATTEMPTS", "2.5", "OUTBOX_MAX_ATTEMPTS must be a whole number ≥ 1"),
        ("TRUSTED_PROXIES", "-1", "TRUSTED_PROXIES must be a whole number ≥ 0"),
        ("TRUSTED_PROXIES", "satu", "TRUSTED_PROXIES must be a whole number ≥ 0"),
        ("TRUSTED_PROXIES", "1.5", "TRUSTED_PROXIES must be a whole number ≥ 0"),
        ("MAIL_PORT", "0", "MAIL_PORT must be a whole number between 1 and 65535"),
        ("MAIL_PORT", "70000", "MAIL_PORT must be a whole number between 1 and 65535"),
        ("MAIL_PORT", "smtp", "MAIL_PORT must be a whole number between 1 and 65535"),
        ("PHOTO_MAX_BYTES", "8MB", "PHOTO_MAX_BYTES must be a whole number ≥ 1"),
        ("PHOTO_MAX_PIXELS", "0", "PHOTO_MAX_PIXELS must be a whole number ≥ 1"),
        ("MAX_CONTENT_LENGTH", "-1", "MAX_CONTENT_LENGTH must be a whole number ≥ 1"),
        ("SESSION_LIFETIME_SECONDS", "8h", "SESSION_LIFETIME_SECONDS must be a whole number ≥ 1"),
        ("CSRF_TIME_LIMIT_SECONDS", "0", "CSRF_TIME_LIMIT_SECONDS must be a whole number ≥ 1"),
        ("NATIONAL_TIMEOUT", "0", "NATIONAL_TIMEOUT must be a number > 0"),
        ("NATIONAL_TIMEOUT", "soon", "NATIONAL_TIMEOUT must be a number > 0"),
        ("NATIONAL_MAX_ATTEMPTS", "0", "NATIONAL_MAX_ATTEMPTS must be a whole number ≥ 1"),
    ],
)
def test_a_wrong_number_stops_start_up_naming_the_setting(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as refused:
        load_config({name: value}, tmp_path)
    assert repr(value) in str(refused.value)  # the operator sees what they wrote


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be text or json, not 'xml'"),
        ({"UPLOAD_STORAGE": "ftp"}, "UPLOAD_STORAGE must be local or s3, not 'ftp'"),
        ({"UPLOAD_STORAGE": "s3"}, "UPLOAD_STORAGE=s3 needs S3_BUCKET"),
        ({"UPLOAD_STORAGE": "s3", "S3_BUCKET": "  "}, "UPLOAD_STORAGE=s3 needs S3_BUCKET"),
    ],
)
def test_a_wrong_operations_setting_stops_start_up_naming_it(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(environ, tmp_path)


def test_operations_settings_are_read_case_blind_and_trimmed(tmp_path):
    config = load_config(
        {"LOG_FORMAT": " JSON ", "UPLOAD_STORAGE": "S3", "S3_BUCKET": " photos "}, tmp_path
    )
    assert (config["LOG_FORMAT"], config["UPLOAD_STORAGE"], config["S3_BUCKET"]) == (
        "json",
        "s3",
        "photos",
    )


def test_a_relative_instance_path_is_refused():
    with pytest.raises(ConfigError, match="INSTANCE_PATH must be an absolute path"):
        instance_folder({"INSTANCE_PATH": "instance"})
    assert isinstance(instance_folder({}), Path)


@pytest.mark.parametrize(
    "url",
    [
        "http://aduan.example.go.id",
        "http://localhost:5000",
        "https://localhost",
        "https://app.localhost",
        "https://127.0.0.1",
        "https://127.8.9.1:8443",
        "https://[::1]",
        "https://0.0.0.0",
        "aduan.example.go.id",
    ],
)
def test_production_refuses_a_plain_or_local_public_base_url(tmp_path, url):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL") as refused:
        load_config({**PRODUCTION, "PUBLIC_BASE_URL": url}, tmp_path)
    assert url.rstrip("/") in str(refused.value)


def test_production_needs_a_public_base_url(tmp_path):
    values = {k: v for k, v in PRODUCTION.items() if k != "PUBLIC_BASE_URL"}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(values, tmp_path)


def test_production_accepts_an_https_public_host(tmp_path):
    for url in ("https://aduan.example.go.id", "https://203.0.113.7", "https://aduan.go.id/"):
        config = load_config({**PRODUCTION, "PUBLIC_BASE_URL": url}, tmp_path)
        assert config["PUBLIC_BASE_URL"] == url.rstrip("/")


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_production_refuses_flask_debug(tmp_path, value):
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        load_config({**PRODUCTION, "FLASK_DEBUG": value}, tmp_path)


def test_production_takes_an_off_flask_debug(tmp_path):
    for value in ("0", "false", "off", ""):
        assert load_config({**PRODUCTION, "FLASK_DEBUG": value}, tmp_path)["SECRET_KEY"]
    # Development may run with the debugger.
    assert load_config({"FLASK_DEBUG": "1"}, tmp_path)["SECRET_KEY"]


@pytest.mark.parametrize(
    "spec",
    [
        "D1:development-only-qr-key-change-me",
        "K9:development-only-qr-key-change-me",
        "K1:production-signing-key-0001,K2:development-only-qr-key-change-me",
        "K2:development-only-qr-key-change-me,K1:production-signing-key-0001;active=K1",
    ],
)
def test_production_refuses_the_development_qr_secret_under_any_key_id(tmp_path, spec):
    with pytest.raises(ConfigError, match="QR_SIGNING_KEYS"):
        load_config({**PRODUCTION, "QR_SIGNING_KEYS": spec}, tmp_path)

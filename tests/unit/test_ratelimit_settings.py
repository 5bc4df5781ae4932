"""The rate-limit settings: defaults, what the operator may type, what is refused at start-up."""

from __future__ import annotations

import logging
import re

import pytest
from limits import parse_many

from portal.config import ConfigError, load_config
from portal.ratelimits.keys import text_fingerprint
from portal.ratelimits.settings import SETTINGS

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "QR_SIGNING_KEYS": "K1:production-signing-key-0001",
    "PUBLIC_BASE_URL": "https://aduan.example.go.id",
}


def test_defaults(tmp_path):
    config = load_config({}, tmp_path)
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["RATELIMIT_KEY_PREFIX"] == "aduan"
    limits = config["RATELIMITS"]
    assert set(limits) == set(SETTINGS)
    for name, setting in SETTINGS.items():
        assert list(limits[name]) == parse_many(setting.default)
    # The reasoning the defaults stand on: a waiting room of 30 behind one address, at one
    # counter, fits the generous limits; one browser gets a handful.
    shortest = {name: min(item.amount for item in items) for name, items in limits.items()}
    assert shortest["report_per_address"] > 30 and shortest["report_per_service_point"] > 30
    assert shortest["report_per_service_point"] > shortest["report_per_address"]
    assert shortest["report_per_session"] <= 5 and shortest["report_same_text"] <= 3


def test_values_are_read_from_the_environment(tmp_path):
    config = load_config(
        {
            "RATELIMIT_ENABLED": "off",
            "RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/2",
            "RATELIMIT_KEY_PREFIX": "aduan-kalsel",
            "RATELIMIT_REPORT_PER_ADDRESS": "10/minute",
            "RATELIMIT_SIGNIN_PER_ADDRESS": "",  # empty: the default
        },
        tmp_path,
    )
    assert config["RATELIMIT_ENABLED"] is False
    assert config["RATELIMIT_STORAGE_URI"] == "redis://redis.internal:6379/2"
    assert config["RATELIMIT_KEY_PREFIX"] == "aduan-kalsel"
    assert list(config["RATELIMITS"]["report_per_address"]) == parse_many("10 per minute")
    default = parse_many(SETTINGS["signin_per_address"].default)
    assert list(config["RATELIMITS"]["signin_per_address"]) == default


@pytest.mark.parametrize(
    "name, value",
    [
        ("RATELIMIT_REPORT_PER_SESSION", "banyak"),
        ("RATELIMIT_REPORT_PER_SESSION", "0 per minute"),
        ("RATELIMIT_LOOKUP_PER_ADDRESS", "5 per fortnight"),
        ("RATELIMIT_STORAGE_URI", "redis-server:6379"),
        ("RATELIMIT_STORAGE_URI", "memcached://127.0.0.1:11211"),
    ],
)
def test_a_value_that_cannot_be_used_stops_start_up_naming_it(tmp_path, name, value):
    with pytest.raises(ConfigError, match=re.escape(name)) as refused:
        load_config({name: value}, tmp_path)
    assert repr(value) in str(refused.value)


def test_production_with_memory_storage_warns(tmp_path, caplog):
    from portal import create_app

    env = {**PRODUCTION, "INSTANCE_PATH": str(tmp_path)}
    with caplog.at_level(logging.WARNING, logger="portal.ratelimits.extension"):
        create_app(environ=env)
    assert "RATELIMIT_STORAGE_URI is memory://" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="portal.ratelimits.extension"):
        create_app(environ={**env, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
    assert "RATELIMIT_STORAGE_URI" not in caplog.text


def test_the_text_fingerprint_ignores_case_spacing_and_punctuation():
    one = text_fingerprint("Antrean lama", "Saya menunggu tiga jam di loket.")
    assert one == text_fingerprint("  ANTREAN, lama!", "saya   menunggu\ntiga jam di loket")
    assert one == text_fingerprint("Ａｎｔｒｅａｎ lama", "Saya menunggu tiga jam di loket")  # NFKC
    assert one != text_fingerprint("Antrean lama", "Saya menunggu empat jam di loket.")
    assert "antrean" not in one  # a hash, never the text

"""configure_proxy_fix: the throttle sees the real client only as far as proxies are trusted."""

from __future__ import annotations

import pytest
from flask import Flask, request

from portal.accounts.throttle import configure_proxy_fix
from portal.config import ConfigError

FORWARDED = {"X-Forwarded-For": "198.51.100.23, 10.0.0.5", "X-Forwarded-Proto": "https, https"}


def bare_app() -> Flask:
    app = Flask(__name__)

    @app.get("/who")
    def who():
        return f"{request.remote_addr} {request.scheme}"

    return app


def seen(app: Flask) -> str:
    client = app.test_client()
    return client.get("/who", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.9"}).text


def test_default_trusts_no_forwarded_header():
    app = bare_app()
    configure_proxy_fix(app, {})
    assert app.config["TRUSTED_PROXIES"] == 0
    assert seen(app) == "10.0.0.9 http"  # a client cannot pick its own address


def test_one_proxy_takes_the_last_forwarded_address():
    app = bare_app()
    configure_proxy_fix(app, {"TRUSTED_PROXIES": "1"})
    assert seen(app) == "10.0.0.5 https"


def test_two_proxies_reach_the_client_behind_both():
    app = bare_app()
    configure_proxy_fix(app, {"TRUSTED_PROXIES": "2"})
    assert seen(app) == "198.51.100.23 https"


def test_config_value_wins_over_the_environment_and_applies_once():
    app = bare_app()
    app.config["TRUSTED_PROXIES"] = 2
    configure_proxy_fix(app, {"TRUSTED_PROXIES": "1"})
    configure_proxy_fix(app, {"TRUSTED_PROXIES": "1"})
    assert seen(app) == "198.51.100.23 https"


@pytest.mark.parametrize("value", ["-1", "satu", "1.5"])
def test_a_wrong_value_stops_start_up_with_a_clear_message(value):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be a whole number"):
        configure_proxy_fix(bare_app(), {"TRUSTED_PROXIES": value})

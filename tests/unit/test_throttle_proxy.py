"""configure_proxy_fix: the throttle sees the real client only as far as proxies are trusted.

load_config reads and checks TRUSTED_PROXIES (tests/unit/test_config.py); these tests give
the app its config value directly.
"""

from __future__ import annotations

from flask import Flask, request

from portal.accounts.throttle import configure_proxy_fix
from portal.config import load_config

FORWARDED = {"X-Forwarded-For": "198.51.100.23, 10.0.0.5", "X-Forwarded-Proto": "https, https"}


def bare_app(trusted_proxies: int) -> Flask:
    app = Flask(__name__)
    app.config["TRUSTED_PROXIES"] = trusted_proxies

    @app.get("/who")
    def who():
        return f"{request.remote_addr} {request.scheme}"

    return app


def seen(app: Flask) -> str:
    client = app.test_client()
    return client.get("/who", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.9"}).text


def test_default_trusts_no_forwarded_header(tmp_path):
    app = bare_app(load_config({}, tmp_path)["TRUSTED_PROXIES"])
    configure_proxy_fix(app)
    assert app.config["TRUSTED_PROXIES"] == 0
    assert seen(app) == "10.0.0.9 http"  # a client cannot pick its own address


def test_one_proxy_takes_the_last_forwarded_address():
    app = bare_app(1)
    configure_proxy_fix(app)
    assert seen(app) == "10.0.0.5 https"


def test_two_proxies_reach_the_client_behind_both(tmp_path):
    app = bare_app(load_config({"TRUSTED_PROXIES": "2"}, tmp_path)["TRUSTED_PROXIES"])
    configure_proxy_fix(app)
    assert seen(app) == "198.51.100.23 https"


def test_applying_twice_wraps_the_app_once():
    app = bare_app(2)
    configure_proxy_fix(app)
    configure_proxy_fix(app)
    assert seen(app) == "198.51.100.23 https"

"""The WhatsApp and SMS settings refuse what cannot work, with a message saying why."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import WHATSAPP_API_DEFAULT, ConfigError, load_config

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "QR_SIGNING_KEYS": "K1:production-signing-key-0001",
    "PUBLIC_BASE_URL": "https://aduan.example.go.id",
}


def config(tmp_path: Path, **env: str) -> dict:
    return load_config({"INSTANCE_PATH": str(tmp_path), **env}, tmp_path)


def test_without_a_provider_messages_go_to_files(tmp_path):
    c = config(tmp_path)
    assert c["WHATSAPP_TOKEN"] == "" and c["SMS_GATEWAY_URL"] == ""
    assert c["WHATSAPP_API_URL"] == WHATSAPP_API_DEFAULT
    assert c["PHONE_MESSAGE_DIR"] == str(tmp_path / "messages")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"WHATSAPP_TOKEN": "t"}, "WHATSAPP_PHONE_NUMBER_ID"),
        ({"WHATSAPP_API_URL": "graph.facebook.com"}, "http(s) URL"),
        ({"SMS_GATEWAY_URL": "https://sms.example.go.id/send"}, "{to}"),
        ({"SMS_GATEWAY_URL": "ftp://sms.example.go.id/{to}/{text}"}, "http(s) URL"),
    ],
)
def test_half_a_setup_is_refused_with_what_is_missing(tmp_path, env, says):
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        config(tmp_path, **env)


def test_production_needs_the_app_secret_with_a_token(tmp_path):
    with pytest.raises(ConfigError, match="WHATSAPP_APP_SECRET"):
        config(tmp_path, **PRODUCTION, WHATSAPP_TOKEN="t", WHATSAPP_PHONE_NUMBER_ID="1")


@pytest.mark.parametrize(
    "url",
    [
        "http://sms.example.com/send?to={to}&text={text}",
        "http://36.91.0.7/send?to={to}&text={text}",
    ],
)
def test_production_refuses_a_gateway_across_the_internet_in_clear(tmp_path, url):
    with pytest.raises(ConfigError, match="https:// SMS_GATEWAY_URL"):
        config(tmp_path, **PRODUCTION, SMS_GATEWAY_URL=url)


@pytest.mark.parametrize(
    "url",
    [
        "https://sms.example.com/send?to={to}&text={text}",
        "http://192.168.1.20/gammu?to={to}&text={text}",  # a modem box on the office LAN
        "http://127.0.0.1:13013/cgi-bin/sendsms?to={to}&text={text}",
        "http://localhost/send?to={to}&text={text}",
    ],
)
def test_production_takes_https_or_a_gateway_on_the_office_network(tmp_path, url):
    assert config(tmp_path, **PRODUCTION, SMS_GATEWAY_URL=url)["SMS_GATEWAY_URL"] == url


def test_production_refuses_a_plain_http_cloud_api(tmp_path):
    with pytest.raises(ConfigError, match="https:// WHATSAPP_API_URL"):
        config(tmp_path, **PRODUCTION, WHATSAPP_API_URL="http://graph.example.com/v21.0")

"""Configuration read from the environment, with defaults that are safe on a laptop.

Production (APP_ENV=production) refuses every default secret: a portal whose session key or
QR signing key is public would let anyone forge staff sessions or posters.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qr.payload import SigningKeys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_QR_KEYS = "D1:development-only-qr-key-change-me"


def uses_development_qr_key(keys: SigningKeys) -> bool:
    dev_id, dev_secret = DEV_QR_KEYS.split(":", 1)
    return keys.keys.get(dev_id) == dev_secret.encode()


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message tells the operator which and why."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance: Path) -> str:
    """A per-installation key kept in instance/, so dev sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(env: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    app_env = env.get("APP_ENV", "development").strip().lower()
    if app_env not in {"development", "production", "testing"}:
        raise ConfigError(f"APP_ENV must be development, production or testing, not {app_env!r}")
    production = app_env == "production"

    secret_key = env.get("SECRET_KEY", "")
    if production and len(secret_key) < 32:
        raise ConfigError(
            "APP_ENV=production needs SECRET_KEY set to a long random value "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    if not secret_key:
        secret_key = _dev_secret_key(instance_path)

    qr_spec = env.get("QR_SIGNING_KEYS", "")
    if production and (not qr_spec or qr_spec == DEV_QR_KEYS):
        raise ConfigError(
            "APP_ENV=production needs QR_SIGNING_KEYS (e.g. K1:<32+ random characters>); "
            "the development key is public"
        )
    try:
        qr_keys = SigningKeys.parse(qr_spec or DEV_QR_KEYS)
    except ValueError as exc:
        raise ConfigError(f"QR_SIGNING_KEYS: {exc}") from exc

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'aduan.sqlite3'}"
    database_url = _psycopg3_url(database_url)
    public_base_url = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    if production and "127.0.0.1" in public_base_url:
        raise ConfigError("APP_ENV=production needs PUBLIC_BASE_URL (printed on every poster)")

    national = _national_settings(env, production)

    return {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "QR_SIGNING_KEYS": qr_keys,
        "PUBLIC_BASE_URL": public_base_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "ROUTING_FILE": env.get("ROUTING_FILE", str(PROJECT_ROOT / "routing_rules.yaml")),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        # Three photos of up to PHOTO_MAX_BYTES each plus the text must fit, so a per-photo
        # error is shown on the form (text kept) before the whole-request limit answers 413.
        "PHOTO_MAX_BYTES": int(env.get("PHOTO_MAX_BYTES", 8 * 1024 * 1024)),
        "PHOTO_MAX_PIXELS": int(env.get("PHOTO_MAX_PIXELS", 40_000_000)),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 26 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=production),
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
        "WTF_CSRF_TIME_LIMIT": int(env.get("CSRF_TIME_LIMIT_SECONDS", 6 * 3600)),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "LANGUAGES": ("id", "en"),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "aduan@example.org"),
        # No MAIL_SERVER: the outbox worker writes .eml files to instance/mail/ instead.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        # Flask-Mail suppresses sending whenever TESTING is on; the outbox decides instead.
        "MAIL_SUPPRESS_SEND": _bool(env.get("MAIL_SUPPRESS_SEND")),
        "MAIL_FILE_DIR": env.get("MAIL_FILE_DIR", str(instance_path / "mail")),
        "TESTING": app_env == "testing",
        # How stale the leaders' dashboard may be: a page recomputes the months cases
        # changed in at most this often per process (tests see every change at once).
        "DASHBOARD_REFRESH_SECONDS": float(
            env.get("DASHBOARD_REFRESH_SECONDS") or (0 if app_env == "testing" else 30)
        ),
        **national,
    }


def _national_settings(env: Mapping[str, str], production: bool) -> dict[str, Any]:
    """SP4N-LAPOR! mirror: `export` (files for upload, the default) or `http` (a worker
    posts each item). Production over http needs the endpoint and its token, over https:
    the payload is citizens' reports."""
    connector = (env.get("NATIONAL_CONNECTOR") or "export").strip().lower()
    if connector not in {"export", "http"}:
        raise ConfigError(f"NATIONAL_CONNECTOR must be export or http, not {connector!r}")
    url = (env.get("NATIONAL_URL") or "").strip()
    token = env.get("NATIONAL_TOKEN") or ""
    if url and not url.lower().startswith(("https://", "http://")):
        raise ConfigError(f"NATIONAL_URL must be an http(s) URL, not {url!r}")
    if connector == "http" and not url:
        raise ConfigError(
            "NATIONAL_CONNECTOR=http needs NATIONAL_URL (the SP4N-LAPOR! endpoint that "
            "receives each case as JSON); or use NATIONAL_CONNECTOR=export"
        )
    if production and connector == "http":
        if not token:
            raise ConfigError(
                "APP_ENV=production with NATIONAL_CONNECTOR=http needs NATIONAL_TOKEN "
                "(sent as Authorization: Bearer …)"
            )
        if not url.lower().startswith("https://"):
            raise ConfigError(
                "APP_ENV=production needs an https:// NATIONAL_URL: the token and the "
                "reports must not travel in clear text"
            )
    try:
        timeout = float(env.get("NATIONAL_TIMEOUT") or 10)
        max_attempts = int(env.get("NATIONAL_MAX_ATTEMPTS") or 12)
    except ValueError as exc:
        raise ConfigError(f"NATIONAL_TIMEOUT / NATIONAL_MAX_ATTEMPTS: {exc}") from exc
    if timeout <= 0 or max_attempts < 1:
        raise ConfigError("NATIONAL_TIMEOUT must be > 0 and NATIONAL_MAX_ATTEMPTS >= 1")
    return {
        "NATIONAL_CONNECTOR": connector,
        "NATIONAL_URL": url,
        "NATIONAL_TOKEN": token,
        "NATIONAL_TIMEOUT": timeout,
        "NATIONAL_MAX_ATTEMPTS": max_attempts,
    }


def _psycopg3_url(url: str) -> str:
    """Let operators write postgresql://… and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

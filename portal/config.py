"""Configuration read from the environment, with defaults that are safe on a laptop.

Every environment variable the app reads is read here (load_config, and instance_folder for
the one Flask needs before the config exists) and listed in the README's Configuration
table; tests/unit/test_config.py keeps the two in step. The rest of the app reads
app.config. A value that cannot be right stops start-up with a ConfigError naming it.

Production (APP_ENV=production) refuses every default secret: a portal whose session key or
QR signing key is public would let anyone forge staff sessions or posters.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portal.outbox.backoff import GIVE_UP_AFTER_HOURS
from portal.ratelimits.settings import SettingError, check_storage_uri, read_limits
from qr.payload import SigningKeys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_QR_KEYS = "D1:development-only-qr-key-change-me"


def uses_development_qr_key(keys: SigningKeys) -> bool:
    """Is the public development secret among the keys, under whatever key id?"""
    dev_secret = DEV_QR_KEYS.split(":", 1)[1].encode()
    return any(hmac.compare_digest(secret, dev_secret) for secret in keys.keys.values())


def _local_or_plain_url(url: str) -> str | None:
    """Why a production PUBLIC_BASE_URL cannot be right, or None.

    It is printed in every QR code and e-mailed private link: plain http would send the
    private link's token over the network unencrypted, and a loopback host works on no phone.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "is not a URL"
    if parts.scheme != "https":
        return "must start with https://"
    if not host:
        return "has no host name"
    if host == "localhost" or host.endswith(".localhost"):
        return "names localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback or address.is_unspecified:
        return "names a loopback address"
    return None


def _plain_http_off_site(url: str) -> bool:
    """An http:// URL to a host beyond this machine and its private network: what a
    production gateway must not be (the citizens' numbers and texts, and its token, would
    cross the internet in clear). A gateway box on the office LAN (Gammu and a modem at
    192.168.x.x) or on this host may speak plain HTTP."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_private)


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message tells the operator which and why."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _whole(
    env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    """A whole-number setting; unset or empty means the default."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        allowed = f"between {minimum} and {maximum}" if maximum is not None else f"≥ {minimum}"
        raise ConfigError(f"{name} must be a whole number {allowed}, not {raw!r}")
    return value


def _number(
    env: Mapping[str, str], name: str, default: float, *, minimum: float, above: bool = False
) -> float:
    """A number setting (fractions allowed), at least `minimum` (above it, if `above`)."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < minimum or (above and value == minimum):
        bound = f"> {minimum:g}" if above else f"≥ {minimum:g}"
        raise ConfigError(f"{name} must be a number {bound}, not {raw!r}")
    return value


WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})  # noqa: S104 (names, never bound)


def _development_base_url(env: Mapping[str, str]) -> str:
    """The default PUBLIC_BASE_URL: where `flask run` (and so `make run HOST=… PORT=…`)
    serves, read from the FLASK_RUN_HOST/FLASK_RUN_PORT variables it reads itself, so the
    demo's links, QR codes and e-mails point at the port actually served. A wildcard host
    (0.0.0.0) is not an address a browser can open: this machine's loopback then."""
    port = _whole(env, "FLASK_RUN_PORT", 5000, minimum=1, maximum=65535)
    host = (env.get("FLASK_RUN_HOST") or "").strip()
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}"


def instance_folder(env: Mapping[str, str]) -> Path:
    """INSTANCE_PATH: the app's own folder (SQLite file, generated key, uploads, mail files).

    Read apart from load_config because Flask needs it to build the app, before the config.
    """
    path = Path(env.get("INSTANCE_PATH") or PROJECT_ROOT / "instance")
    if not path.is_absolute():
        raise ConfigError(f"INSTANCE_PATH must be an absolute path, not {str(path)!r}")
    return path


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
    """Build the Flask config mapping from environment variables (see the module docstring)."""
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
    if production and uses_development_qr_key(qr_keys):
        raise ConfigError(
            "APP_ENV=production refuses QR_SIGNING_KEYS holding the public development "
            "secret (under any key id): anyone could sign posters with it"
        )
    if production and _bool(env.get("FLASK_DEBUG")):
        raise ConfigError(
            "APP_ENV=production refuses FLASK_DEBUG: the debugger runs code sent by any "
            "visitor and error pages show the source; unset FLASK_DEBUG"
        )

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'aduan.sqlite3'}"
    database_url = _psycopg3_url(database_url)
    public_base_url = (env.get("PUBLIC_BASE_URL") or _development_base_url(env)).rstrip("/")
    if production and not env.get("PUBLIC_BASE_URL"):
        raise ConfigError("APP_ENV=production needs PUBLIC_BASE_URL (printed on every poster)")
    problem = _local_or_plain_url(public_base_url) if production else None
    if problem:
        raise ConfigError(
            f"APP_ENV=production: PUBLIC_BASE_URL {problem} ({public_base_url!r}); it is "
            "printed on every poster and in every private link, e.g. https://aduan.example.go.id"
        )

    national = _national_settings(env, production)
    testing = app_env == "testing"
    ratelimits = _ratelimit_settings(env)

    return {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "QR_SIGNING_KEYS": qr_keys,
        "PUBLIC_BASE_URL": public_base_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(
            database_url, _whole(env, "DATABASE_CONNECT_TIMEOUT", 5, minimum=2, maximum=60)
        ),
        "ROUTING_FILE": env.get("ROUTING_FILE", str(PROJECT_ROOT / "routing_rules.yaml")),
        # How often each process asks the database for a newer routing version; tests see an
        # activation at once.
        "ROUTING_RELOAD_SECONDS": _number(
            env, "ROUTING_RELOAD_SECONDS", 0 if testing else 1, minimum=0
        ),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        # Three photos of up to PHOTO_MAX_BYTES each plus the text must fit, so a per-photo
        # error is shown on the form (text kept) before the whole-request limit answers 413.
        "PHOTO_MAX_BYTES": _whole(env, "PHOTO_MAX_BYTES", 8 * 1024 * 1024, minimum=1),
        "PHOTO_MAX_PIXELS": _whole(env, "PHOTO_MAX_PIXELS", 40_000_000, minimum=1),
        # Pixels decoded for one report, all its photos together (JPEGs count at the size
        # they are decoded to, already scaled down): bounds a request's CPU and memory.
        "PHOTO_REQUEST_PIXELS": _whole(env, "PHOTO_REQUEST_PIXELS", 40_000_000, minimum=1),
        # HEIC/HEIF bytes of one report together: HEVC decoding costs by the byte.
        "PHOTO_REQUEST_HEIF_BYTES": _whole(
            env, "PHOTO_REQUEST_HEIF_BYTES", 8 * 1024 * 1024, minimum=1
        ),
        "MAX_CONTENT_LENGTH": _whole(env, "MAX_CONTENT_LENGTH", 26 * 1024 * 1024, minimum=1),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=production),
        "PERMANENT_SESSION_LIFETIME": _whole(env, "SESSION_LIFETIME_SECONDS", 8 * 3600, minimum=1),
        "WTF_CSRF_TIME_LIMIT": _whole(env, "CSRF_TIME_LIMIT_SECONDS", 6 * 3600, minimum=1),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
        # (accounts/throttle.py, configure_proxy_fix); 0 believes none.
        "TRUSTED_PROXIES": _whole(env, "TRUSTED_PROXIES", 0, minimum=0),
        # Staff accounts (portal/accounts): admins must add a second factor (TOTP) before
        # they reach any staff page; links for invitations and password resets expire.
        "REQUIRE_2FA_FOR_ADMINS": _bool(env.get("REQUIRE_2FA_FOR_ADMINS"), default=production),
        "INVITATION_VALID_HOURS": _whole(
            env, "INVITATION_VALID_HOURS", 72, minimum=1, maximum=24 * 30
        ),
        "PASSWORD_RESET_VALID_MINUTES": _whole(
            env, "PASSWORD_RESET_VALID_MINUTES", 60, minimum=5, maximum=24 * 60
        ),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "LANGUAGES": ("id", "en"),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "aduan@example.org"),
        # No MAIL_SERVER: the outbox worker writes .eml files to instance/mail/ instead.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": _whole(env, "MAIL_PORT", 25, minimum=1, maximum=65535),
        # Seconds one SMTP connect, command or reply may take before the batch counts as
        # "mail server unreachable" (Flask-Mail sets no timeout: a silent server hung the worker).
        "MAIL_TIMEOUT": _number(env, "MAIL_TIMEOUT", 30, minimum=0, above=True),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        # Flask-Mail suppresses sending whenever TESTING is on; the outbox decides instead.
        "MAIL_SUPPRESS_SEND": _bool(env.get("MAIL_SUPPRESS_SEND")),
        "MAIL_FILE_DIR": env.get("MAIL_FILE_DIR", str(instance_path / "mail")),
        **_give_up_settings(env, "OUTBOX"),
        # How long a claimed batch row stays a worker's without a renewal (the worker renews
        # it every third of this while it works); after that another worker takes it over.
        "OUTBOX_LEASE_SECONDS": _number(env, "OUTBOX_LEASE_SECONDS", 300, minimum=0, above=True),
        "TESTING": testing,
        # How stale the leaders' dashboard may be: a page recomputes the months cases
        # changed in at most this often per process (tests see every change at once).
        "DASHBOARD_REFRESH_SECONDS": _number(
            env, "DASHBOARD_REFRESH_SECONDS", 0 if testing else 30, minimum=0
        ),
        **national,
        **ratelimits,
        **_phone_settings(env, instance_path, production),
        **_open311_settings(env),
        **_operations_settings(env),
    }


LOG_FORMATS = ("text", "json")
UPLOAD_STORAGES = ("local", "s3")


def _operations_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Logs, metrics, error reports and where photos live (README, Production).

    UPLOAD_STORAGE=s3 keeps photos in an S3-compatible bucket, so several app hosts share
    them without a shared disk; it needs S3_BUCKET (credentials may also come from the
    usual AWS variables or an instance role, which boto3 reads itself).
    """
    log_format = (env.get("LOG_FORMAT") or "text").strip().lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be text or json, not {log_format!r}")
    storage = (env.get("UPLOAD_STORAGE") or "local").strip().lower()
    if storage not in UPLOAD_STORAGES:
        raise ConfigError(f"UPLOAD_STORAGE must be local or s3, not {storage!r}")
    bucket = (env.get("S3_BUCKET") or "").strip()
    if storage == "s3" and not bucket:
        raise ConfigError("UPLOAD_STORAGE=s3 needs S3_BUCKET (the bucket that holds the photos)")
    return {
        "LOG_FORMAT": log_format,
        # /metrics answers only a request with `Authorization: Bearer <METRICS_TOKEN>`;
        # without a token it is refused to everyone.
        "METRICS_TOKEN": (env.get("METRICS_TOKEN") or "").strip(),
        "SENTRY_DSN": (env.get("SENTRY_DSN") or "").strip(),
        "UPLOAD_STORAGE": storage,
        "S3_ENDPOINT_URL": (env.get("S3_ENDPOINT_URL") or "").strip() or None,
        "S3_BUCKET": bucket,
        "S3_ACCESS_KEY": (env.get("S3_ACCESS_KEY") or "").strip() or None,
        "S3_SECRET_KEY": (env.get("S3_SECRET_KEY") or "").strip() or None,
        "S3_REGION": (env.get("S3_REGION") or "").strip() or "us-east-1",
    }


def _open311_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The Open311 API's photo fetching: a `media_url` is fetched only from public internet
    addresses, except the networks listed here (e.g. a partner system on the office
    network, "10.20.0.0/16"), within OPEN311_MEDIA_TIMEOUT seconds in all."""
    import ipaddress

    networks = []
    for part in (env.get("OPEN311_MEDIA_ALLOWED_NETWORKS") or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ConfigError(
                f"OPEN311_MEDIA_ALLOWED_NETWORKS must be networks such as 10.20.0.0/16, "
                f"not {part!r}"
            ) from exc
    return {
        "OPEN311_MEDIA_ALLOWED_NETWORKS": tuple(networks),
        "OPEN311_MEDIA_TIMEOUT": _number(env, "OPEN311_MEDIA_TIMEOUT", 10, minimum=0, above=True),
    }


def _ratelimit_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Flask-Limiter's own keys (RATELIMIT_ENABLED, _STORAGE_URI, _KEY_PREFIX) plus our limits.

    memory:// counts per process: right for one process, too loose with several gunicorn
    workers or hosts, so production warns at start-up (portal/ratelimits/extension.py) and
    the operator text says to set a Redis URL.
    """
    try:
        storage = check_storage_uri((env.get("RATELIMIT_STORAGE_URI") or "").strip() or "memory://")
        limits = read_limits(env)
    except SettingError as exc:
        raise ConfigError(str(exc)) from exc
    return {
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": (env.get("RATELIMIT_KEY_PREFIX") or "").strip() or "aduan",
        "RATELIMITS": limits,
    }


WHATSAPP_API_DEFAULT = "https://graph.facebook.com/v21.0"


def _phone_settings(env: Mapping[str, str], instance_path: Path, production: bool) -> dict:
    """WhatsApp (Cloud API) and SMS (an HTTP gateway), out and in. Without a token or a
    gateway URL the worker writes each message as a file under instance/messages/, as it
    writes e-mails when no MAIL_SERVER is set; the webhooks then refuse every request
    unless their secrets are set (a forged message must not file a report)."""
    api_url = (env.get("WHATSAPP_API_URL") or WHATSAPP_API_DEFAULT).strip().rstrip("/")
    if not api_url.lower().startswith(("https://", "http://")):
        raise ConfigError(f"WHATSAPP_API_URL must be an http(s) URL, not {api_url!r}")
    token = (env.get("WHATSAPP_TOKEN") or "").strip()
    number_id = (env.get("WHATSAPP_PHONE_NUMBER_ID") or "").strip()
    if token and not number_id:
        raise ConfigError(
            "WHATSAPP_TOKEN needs WHATSAPP_PHONE_NUMBER_ID (the sender's id in the WhatsApp "
            "Manager, not the phone number itself)"
        )
    app_secret = env.get("WHATSAPP_APP_SECRET") or ""
    if production and token and not app_secret:
        raise ConfigError(
            "APP_ENV=production with WHATSAPP_TOKEN needs WHATSAPP_APP_SECRET: without it "
            "the portal cannot tell Meta's webhooks from forged ones"
        )
    sms_url = (env.get("SMS_GATEWAY_URL") or "").strip()
    if sms_url and not sms_url.lower().startswith(("https://", "http://")):
        raise ConfigError(f"SMS_GATEWAY_URL must be an http(s) URL, not {sms_url!r}")
    for name, url in (("WHATSAPP_API_URL", api_url), ("SMS_GATEWAY_URL", sms_url)):
        if production and url and _plain_http_off_site(url.replace("{", "").replace("}", "")):
            raise ConfigError(
                f"APP_ENV=production needs an https:// {name} (plain http is allowed only to "
                f"this host or the office network): citizens' numbers and texts, and the "
                f"token, must not cross the internet in clear ({url.split('?')[0]!r})"
            )
    sms_body = env.get("SMS_GATEWAY_BODY") or ""
    if sms_url and "{to}" not in sms_url + sms_body:
        raise ConfigError(
            "SMS_GATEWAY_URL (or SMS_GATEWAY_BODY) needs the {to} and {text} placeholders, "
            "e.g. https://sms.example.go.id/send?to={to}&msg={text}"
        )
    return {
        "WHATSAPP_API_URL": api_url,
        "WHATSAPP_TOKEN": token,
        "WHATSAPP_PHONE_NUMBER_ID": number_id,
        "WHATSAPP_APP_SECRET": app_secret,
        "WHATSAPP_VERIFY_TOKEN": env.get("WHATSAPP_VERIFY_TOKEN") or "",
        # The approved template for notices outside the 24-hour window, and its language
        # codes per portal locale (as approved in the WhatsApp Manager).
        "WHATSAPP_TEMPLATE": (env.get("WHATSAPP_TEMPLATE") or "aduan_pembaruan").strip(),
        "WHATSAPP_TEMPLATE_LANGUAGES": {
            "id": (env.get("WHATSAPP_TEMPLATE_LANGUAGE_ID") or "id").strip(),
            "en": (env.get("WHATSAPP_TEMPLATE_LANGUAGE_EN") or "en").strip(),
        },
        "WHATSAPP_TIMEOUT": _number(env, "WHATSAPP_TIMEOUT", 10, minimum=0, above=True),
        "SMS_GATEWAY_URL": sms_url,
        # Optional: a POST body template (form-encoded) with {to} and {text}; without it the
        # gateway is called with GET on SMS_GATEWAY_URL.
        "SMS_GATEWAY_BODY": sms_body,
        "SMS_GATEWAY_TOKEN": env.get("SMS_GATEWAY_TOKEN") or "",
        "SMS_WEBHOOK_SECRET": env.get("SMS_WEBHOOK_SECRET") or "",
        "SMS_TIMEOUT": _number(env, "SMS_TIMEOUT", 10, minimum=0, above=True),
        "PHONE_MESSAGE_DIR": env.get("PHONE_MESSAGE_DIR", str(instance_path / "messages")),
        # A conversation with no message from the citizen for this long ends, nothing filed.
        "CHAT_TIMEOUT_MINUTES": _whole(env, "CHAT_TIMEOUT_MINUTES", 60, minimum=1),
        # Messages one number may send in 10 minutes; beyond, one "too many" answer, then
        # silence and nothing filed (webhooks all come from the provider's addresses).
        "CHAT_FLOOD_LIMIT": _whole(env, "CHAT_FLOOD_LIMIT", 30, minimum=1),
        **_give_up_settings(env, "PHONE"),
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
    return {
        "NATIONAL_CONNECTOR": connector,
        "NATIONAL_URL": url,
        "NATIONAL_TOKEN": token,
        "NATIONAL_TIMEOUT": _number(env, "NATIONAL_TIMEOUT", 10, minimum=0, above=True),
        **_give_up_settings(env, "NATIONAL"),
    }


def engine_options(database_url: str, connect_timeout: int) -> dict[str, Any]:
    """How the app talks to its database so that an outage ends by itself.

    pool_pre_ping: a pooled connection is tested before use, so the first request after
    the database came back gets a fresh connection instead of the dead one (and an error).
    connect_timeout (PostgreSQL): a host that does not answer fails the request in
    DATABASE_CONNECT_TIMEOUT seconds with the 503 page, long before gunicorn's worker
    timeout would kill the worker. libpq counts 1 as 2, hence the minimum of 2.
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": connect_timeout}
    return options


MAX_GIVE_UP_HOURS = 90 * 24  # beyond a quarter of a year a person should look, not a worker


def _give_up_settings(env: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """When a channel gives up a row that keeps failing (portal/outbox/backoff.py): after
    <prefix>_GIVE_UP_AFTER hours of retrying (72 by default), or sooner if the operator also
    caps <prefix>_MAX_ATTEMPTS (unset: no cap; 12 attempts were the old six-hour limit)."""
    hours_name, attempts_name = f"{prefix}_GIVE_UP_AFTER", f"{prefix}_MAX_ATTEMPTS"
    hours = _number(env, hours_name, GIVE_UP_AFTER_HOURS, minimum=0, above=True)
    if hours > MAX_GIVE_UP_HOURS:
        raise ConfigError(f"{hours_name} must be at most {MAX_GIVE_UP_HOURS} hours, not {hours:g}")
    raw_attempts = env.get(attempts_name)
    attempts = None
    if raw_attempts is not None and raw_attempts.strip():
        attempts = _whole(env, attempts_name, 0, minimum=1)
    return {hours_name: hours, attempts_name: attempts}


def _psycopg3_url(url: str) -> str:
    """Let operators write postgresql://… and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

"""Aduan Langsung: the Flask application factory, made of small configure steps."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from portal.accounts.throttle import configure_proxy_fix
from portal.config import PROJECT_ROOT, instance_folder, load_config, uses_development_qr_key
from portal.form_parts import PortalRequest
from portal.logredact import RedactTokens, redacting_targets

log = logging.getLogger(__name__)


def create_app(
    overrides: dict[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    load_routing: bool = True,
) -> Flask:
    """Build the app; `environ` stands in for os.environ (tests pass a clean one).

    load_routing=False only serves `routing check` of another file while the active one is
    broken; such an app has no router and must not serve requests.
    """
    env = os.environ if environ is None else environ
    app = Flask(
        __name__,
        instance_path=str(instance_folder(env)),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.request_class = PortalRequest  # nameless multipart parts are dropped
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(env, Path(app.instance_path)))
    app.config.from_mapping(overrides or {})
    configure_proxy_fix(app)  # TRUSTED_PROXIES: proxies in front of the app (default 0)

    configure_logging(app)
    configure_observability(app)
    configure_extensions(app)
    configure_photo_store(app)
    configure_security_headers(app)
    if load_routing:
        configure_routing_step(app)
    configure_i18n(app)
    configure_blueprints(app)
    configure_ratelimits(app)
    configure_availability(app)
    configure_outbox(app)
    configure_cli(app)
    configure_errors(app)
    return app


def configure_logging(app: Flask) -> None:
    from portal.observability.log_setup import add_request_ids, install_root_handler

    if not app.debug and not app.testing:
        # stderr, LOG_FORMAT=text|json, the request id in every line (portal/observability)
        install_root_handler(app.config["LOG_FORMAT"])
    add_request_ids()
    # The development server's access log (and anything the app logs) never shows a
    # private-link token; gunicorn's access log: deploy/gunicorn.conf.py.
    for logger in (*redacting_targets(), app.logger):  # and phone numbers masked
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    if uses_development_qr_key(app.config["QR_SIGNING_KEYS"]):
        log.warning("development mode: QR codes are signed with the public development key")


def configure_observability(app: Flask) -> None:
    """Request ids, JSON logs, /metrics and Sentry (portal/observability)."""
    from portal.observability import init_observability

    init_observability(app)


def configure_photo_store(app: Flask) -> None:
    """Where photos live: UPLOAD_STORAGE=local|s3 (portal/photo_store)."""
    from portal.photo_store import init_photo_store

    init_photo_store(app)


def configure_extensions(app: Flask) -> None:
    from portal.extensions import csrf, db, login_manager, migrate
    from portal.notifications.mail import init_mail
    from portal.sqlite_tuning import tune_sqlite

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    init_mail(app)
    _import_models()
    with app.app_context():
        tune_sqlite(db.engine)


def _import_models() -> None:
    """Register every table with the metadata (Alembic autogenerate reads it)."""
    import portal.abuse.models
    import portal.accounts.models
    import portal.audit.models
    import portal.chat.models
    import portal.complaints.models
    import portal.dashboard.models
    import portal.messaging.models
    import portal.national.models
    import portal.notifications.models
    import portal.open311.models
    import portal.posters.models
    import portal.routing.models  # noqa: F401


def configure_security_headers(app: Flask) -> None:
    from portal.security_headers import init_security_headers

    init_security_headers(app)


def configure_routing_step(app: Flask) -> None:
    from portal.routing.active import configure_routing

    configure_routing(app)


def configure_i18n(app: Flask) -> None:
    from portal.i18n import init_i18n

    init_i18n(app)

    from portal.complaints.labels import template_helpers

    app.jinja_env.globals.update(template_helpers())


def configure_blueprints(app: Flask) -> None:
    from portal.abuse.routes import bp as abuse_bp
    from portal.accounts.admin_routes import bp as staff_accounts_bp
    from portal.accounts.password_links import bp as password_links_bp
    from portal.accounts.preferences import bp as preferences_bp
    from portal.accounts.routes import bp as accounts_bp
    from portal.accounts.two_factor_routes import bp as two_factor_bp
    from portal.api_keys.routes import bp as api_keys_bp
    from portal.audit_page.routes import bp as audit_bp
    from portal.cases.routes import bp as cases_bp
    from portal.cases.template_routes import bp as response_templates_bp
    from portal.chat.routes import bp as chat_bp
    from portal.citizen.conversation import bp as conversation_bp
    from portal.citizen.private_link import bp as private_link_bp
    from portal.citizen.routes import bp as citizen_bp
    from portal.counter.routes import bp as counter_bp
    from portal.dashboard.routes import bp as dashboard_bp
    from portal.dashboard.routes import public_bp as public_stats_bp
    from portal.i18n import bp as i18n_bp
    from portal.messaging.failed_routes import bp as phone_messages_bp
    from portal.national.routes import bp as national_bp
    from portal.notifications.routes import bp as notifications_bp
    from portal.open311.app_errors import register_open311_errors
    from portal.open311.routes import bp as open311_bp
    from portal.posters.routes import bp as posters_bp
    from portal.routing_admin.routes import bp as routing_admin_bp
    from portal.staff.routes import bp as staff_bp
    from portal.url_ids import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter  # before any rule is added
    blueprints = (
        citizen_bp,
        conversation_bp,
        private_link_bp,
        accounts_bp,
        password_links_bp,
        two_factor_bp,
        preferences_bp,
        staff_accounts_bp,
        audit_bp,
        staff_bp,
        cases_bp,
        response_templates_bp,
        posters_bp,
        notifications_bp,
        phone_messages_bp,
        national_bp,
        abuse_bp,
        routing_admin_bp,
        dashboard_bp,
        public_stats_bp,
        i18n_bp,
        chat_bp,
        counter_bp,
        open311_bp,
        api_keys_bp,
    )
    for bp in blueprints:
        app.register_blueprint(bp)
    register_open311_errors(app)  # GeoReport error lists under /open311/, not HTML pages


def configure_ratelimits(app: Flask) -> None:
    """Flask-Limiter on the public doors; after the blueprints, whose endpoints it wraps."""
    from portal.ratelimits.extension import init_ratelimits

    init_ratelimits(app)


def configure_availability(app: Flask) -> None:
    """/healthz and /readyz (never rate limited), and the 503 page for a database outage."""
    from portal.availability.outage import register_outage_page
    from portal.availability.routes import bp, healthz, readyz
    from portal.ratelimits.extension import limiter_of

    app.register_blueprint(bp)
    limiter = limiter_of(app)
    if limiter is not None:
        limiter.exempt(healthz)
        limiter.exempt(readyz)
    register_outage_page(app)


def configure_outbox(app: Flask) -> None:
    """The delivery channels `outbox work` runs, each round, when enabled, and the deadline
    tick it can run between rounds; and the writer account e-mails (invitations) use."""
    from portal.accounts import mailbox
    from portal.chat.sweep import tick_and_sweep
    from portal.messaging.delivery import SmsChannel, WhatsAppChannel
    from portal.national.delivery import MirrorChannel
    from portal.notifications.delivery import EmailChannel
    from portal.notifications.outbox import add_message
    from portal.outbox.registry import register, register_tick

    register(app, EmailChannel())
    register(app, MirrorChannel())
    register(app, WhatsAppChannel())
    register(app, SmsChannel())
    register_tick(app, tick_and_sweep)
    mailbox.install(app, add_message)


def configure_cli(app: Flask) -> None:
    from portal.accounts.cli import users_cli
    from portal.backup.cli import backup_cmd, restore_cmd
    from portal.cases.cli import sla_cli
    from portal.chat.cli import chat_cli
    from portal.complaints.cli import complaints_cli
    from portal.dashboard.cli import stats_cli
    from portal.demo.cli import demo_cli
    from portal.messaging.cli import phone_cli
    from portal.national.cli import national_cli
    from portal.notifications.cli import outbox_cli
    from portal.open311.cli import apikeys_cli
    from portal.posters.cli import qr_cli
    from portal.routing.cli import routing_cli

    groups = (routing_cli, qr_cli, users_cli, complaints_cli, sla_cli, outbox_cli, national_cli)
    for group in (
        *groups,
        phone_cli,
        stats_cli,
        demo_cli,
        chat_cli,
        apikeys_cli,
        backup_cmd,
        restore_cmd,
    ):
        app.cli.add_command(group)


def configure_errors(app: Flask) -> None:
    from portal.errors import register_error_pages

    register_error_pages(app)

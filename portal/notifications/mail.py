"""Where mail goes: a real SMTP server through Flask-Mail, or .eml files in instance/mail/.

With no MAIL_SERVER configured (the demo, a laptop) every message is written to
instance/mail/<message-id>.eml and logged, so one can read exactly what would be sent.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app
from flask_mail import Connection, Mail, Message

log = logging.getLogger(__name__)
mail = Mail()


def init_mail(app: Flask) -> None:
    """Bind Flask-Mail to the app (called from the factory)."""
    mail.init_app(app)


def ensure_mail(app: Flask) -> None:
    """Flask-Mail's Message reads its settings from app.extensions; until the factory
    calls init_mail, bind it on first use."""
    if "mail" not in app.extensions:
        init_mail(app)


class Transport(Protocol):
    def __enter__(self) -> Transport: ...
    def __exit__(self, *exc) -> None: ...
    def send(self, message: Message) -> None: ...


class TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout (it has none): a server that accepts
    the connection and then goes silent must fail the batch as unreachable, not hold the
    worker, and the lease its keeper keeps renewing, for ever."""

    def __init__(self, mail_state, timeout: float):
        super().__init__(mail_state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        state = self.mail
        kind = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = kind(state.server, state.port, timeout=self.timeout)
        host.set_debuglevel(int(state.debug))
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


class SmtpTransport:
    """One SMTP connection for a batch; Flask-Mail builds and sends each message."""

    def __init__(self, app: Flask):
        # Settings read now, not at start-up, so tests and `outbox send` see the live config.
        self.state = mail.init_mail(app.config, app.debug, app.testing)
        self.timeout = float(app.config.get("MAIL_TIMEOUT", 30))
        self.connection: Connection | None = None

    def __enter__(self) -> SmtpTransport:
        self.connection = TimedConnection(self.state, self.timeout).__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.connection is not None and self.connection.host is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.host.quit()  # the server may already have gone away
        self.connection = None

    def send(self, message: Message) -> None:
        assert self.connection is not None
        self.connection.send(message)


class FileTransport:
    """Writes each message as an .eml file named after its Message-ID (a re-send overwrites)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def __enter__(self) -> FileTransport:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, message: Message) -> None:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", message.msgId.strip("<>")) + ".eml"
        path = self.folder / name
        path.write_bytes(message.as_bytes())
        log.info(
            "mail to %s written to %s: %s", ", ".join(message.recipients), path, message.subject
        )


def transport_for(app: Flask | None = None) -> Transport:
    """SMTP when MAIL_SERVER is set, else files in instance/mail/ (MAIL_FILE_DIR)."""
    app = app or current_app._get_current_object()
    ensure_mail(app)
    if app.config.get("MAIL_SERVER"):
        return SmtpTransport(app)
    folder = app.config.get("MAIL_FILE_DIR") or Path(app.instance_path) / "mail"
    return FileTransport(folder)

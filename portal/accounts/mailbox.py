"""How the e-mails of staff accounts (invitation, reset link, password changed) reach the
outbox.

The outbox is portal.notifications', and notifications imports accounts (recipients, the
account links it renders): accounts importing it back would be an import cycle. So the app
hands the outbox's writer in at start-up (portal/__init__.py, configure_outbox) and the
account services call `queue`, which adds the row to the caller's transaction like
portal.notifications.outbox.add_message does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app

EXTENSION = "account_mail"


def install(app: Flask, writer: Callable[..., Any]) -> None:
    """Give the app its outbox writer (add_message's signature)."""
    app.extensions[EXTENSION] = writer


def queue(
    template: str,
    recipient: str,
    context: dict[str, Any],
    *,
    locale: str,
    region_id: str | None = None,
    now: datetime | None = None,
) -> Any:
    """Add one e-mail to the outbox in the caller's transaction (no network, no commit)."""
    writer = current_app.extensions.get(EXTENSION)
    if writer is None:
        raise RuntimeError("no outbox writer installed (create_app installs it)")
    return writer(template, recipient, context, locale=locale, region_id=region_id, now=now)

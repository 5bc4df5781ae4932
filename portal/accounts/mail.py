"""How account services write their e-mails (reset link, password changed, invitation).

The e-mails are outbox rows, and the outbox belongs to portal.notifications, which reads
accounts (recipients, roles): accounts may not import it back (tests/unit/test_layers.py).
The app hands the outbox's writer in at start-up (`use`, in create_app), and account
services call `queue`, which adds the row to the caller's transaction like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app

EXTENSION = "account_mail"


def use(app: Flask, writer: Callable[..., Any]) -> None:
    """Set the outbox writer (portal.notifications.outbox.add_message)."""
    app.extensions[EXTENSION] = writer


def queue(
    template: str,
    recipient: str,
    context: dict[str, Any],
    *,
    locale: str,
    now: datetime | None = None,
) -> None:
    """Add one e-mail to the session; it commits or rolls back with the caller's change."""
    writer = current_app.extensions.get(EXTENSION)
    if writer is None:
        raise RuntimeError("no outbox writer: create_app calls portal.accounts.mail.use")
    writer(template, recipient, context, locale=locale, now=now)

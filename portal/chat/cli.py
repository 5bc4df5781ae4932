"""`flask chat say`: be a citizen on WhatsApp or SMS without a provider.

The message goes through exactly the handling the webhook uses (no signature: this is the
operator's own shell), then one outbox round runs for the phone channel when one is
registered, and the answers are printed, so `make run`'s demo can file, follow and answer
a report by "chat".
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.chat import dialogue as d
from portal.chat.media import LocalMedia
from portal.chat.service import Inbound, handle_message, private_link
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.phone_numbers import InvalidNumber, msisdn
from portal.timeutil import utcnow

chat_cli = AppGroup("chat", help="Try the WhatsApp/SMS conversation from the shell.")


@chat_cli.command("sweep")
def sweep_cmd() -> None:
    """Forget the drafts (text, photos) of conversations abandoned halfway (run from cron
    next to `sla tick`; `outbox work --tick-every` does it by itself)."""
    from portal.chat.sweep import sweep_abandoned

    click.echo(f"{sweep_abandoned()} abandoned conversation(s) cleared")


@chat_cli.command("say")
@click.option("--via", "medium", type=click.Choice(["whatsapp", "sms"]), default="whatsapp")
@click.option("--from", "sender", required=True, help="The citizen's number, e.g. 0812 3456 7890.")
@click.option("--photo", type=click.Path(exists=True, dir_okay=False), help="Send a photo file.")
@click.option("--choice", help="A button or list reply's id (WhatsApp), e.g. 1 or YA.")
@click.option("--name", help="The WhatsApp profile name to send with the message.")
@click.argument("text", required=False, default="")
def say_cmd(
    medium: str, sender: str, photo: str | None, choice: str | None, name: str | None, text: str
) -> None:
    """Send TEXT (or --photo) as the citizen at --from, and print the portal's answers."""
    try:
        number = msisdn(sender)
    except InvalidNumber as exc:
        raise click.BadParameter(f"not a phone number: {sender}", param_hint="--from") from exc
    if photo and medium == "sms":
        raise click.BadParameter("SMS carries no photos", param_hint="--photo")
    if photo:
        message = d.Message(text, "image", None, name)
    elif choice:
        message = d.Message(text or choice, "choice", choice, name)
    else:
        message = d.Message(text, "text", None, name)
    now = utcnow()
    before = db.session.execute(select(db.func.max(PhoneMessage.id))).scalar() or 0
    provider_id = f"cli:{number}:{now.isoformat()}"
    handled = handle_message(
        Inbound(medium, number, provider_id, message, photo), media=LocalMedia(), now=now
    )
    for answer in handled.answers:
        click.echo(f"< {answer}")
        click.echo("")
    if handled.receipt is not None:
        click.echo(f"[filed: {handled.receipt.tracking_code} — {private_link(handled.receipt)}]")
    _deliver(medium)
    rows = db.session.execute(
        select(PhoneMessage)
        .where(PhoneMessage.id > before, PhoneMessage.recipient == number)
        .where(PhoneMessage.kind != "chat")
        .order_by(PhoneMessage.id)
    ).scalars()
    for row in rows:  # notices the notification hooks wrote (receipt, …)
        body = f" {row.body}" if row.body else ""
        click.echo(f"[{row.kind} by {row.medium}: {row.status}]{body}")


def _deliver(medium: str) -> None:
    """One outbox round of this medium's channel (the file backend in the demo), so the
    answers are there to read at once."""
    from portal.outbox.registry import registered
    from portal.outbox.worker import deliver_all_due

    for channel in registered():
        if channel.name == medium:
            try:
                deliver_all_due(channel)
            except Exception as exc:  # the demo goes on; the worker retries later
                click.echo(f"[{channel.name} delivery: {exc}]")

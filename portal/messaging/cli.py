"""`flask --app wsgi phone …`: the WhatsApp and SMS outbox at a glance, deliver it once, and
send dead messages again (one, or every one matching the same filters as `outbox resend`).
`outbox work` delivers both media every round."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.extensions import db
from portal.messaging.delivery import SmsChannel, WhatsAppChannel
from portal.messaging.failed import revive_phone as resend
from portal.messaging.models import MEDIA, PhoneMessage
from portal.outbox.revive import FilterError, revive
from portal.outbox.worker import deliver_all_due
from portal.staff.revive_filters import known_regions, read_filter, revive_matching

phone_cli = AppGroup("phone", help="WhatsApp and SMS messages to citizens.")


@phone_cli.command("status")
def status_cmd() -> None:
    """How many messages are in each state, per medium."""
    stmt = (
        select(PhoneMessage.medium, PhoneMessage.status, func.count())
        .group_by(PhoneMessage.medium, PhoneMessage.status)
        .order_by(PhoneMessage.medium, PhoneMessage.status)
    )
    for medium, state, count in db.session.execute(stmt).all():
        click.echo(f"{medium} {state}: {count}")


@phone_cli.command("send")
@click.option("--once", is_flag=True, required=True, help="Deliver what is due now, then exit.")
@click.option("--limit", default=50, show_default=True, help="Messages per batch.")
def send_cmd(once: bool, limit: int) -> None:
    """Deliver every WhatsApp and SMS message that is due now, then exit."""
    for channel in (WhatsAppChannel(), SmsChannel()):
        result = deliver_all_due(channel, limit=limit)
        click.echo(f"{channel.name}: {result.summary(channel.give_up_state)}")


@phone_cli.command("resend")
@click.argument("message_id", type=int, required=False)
@click.option("--all-dead", is_flag=True, help="Every dead message matching the filters below.")
@click.option("--medium", type=click.Choice(MEDIA), default=None, help="With --all-dead.")
@click.option("--region", default=None, help="With --all-dead: only this region's messages.")
@click.option("--since", default=None, help="With --all-dead: created on or after this day.")
@click.option("--until", default=None, help="With --all-dead: created on or before this day.")
@click.option("--error", default=None, help="With --all-dead: last error contains this text.")
def resend_cmd(
    message_id: int | None,
    all_dead: bool,
    medium: str | None,
    region: str | None,
    since: str | None,
    until: str | None,
    error: str | None,
) -> None:
    """Send a dead message again, or every dead one matching the filters.

    Days are YYYY-MM-DD in WIB, both included. A long SMS goes on from the part after the
    last one the gateway took.
    """
    filters = {"region": region, "since": since, "until": until, "error": error}
    if (message_id is None) == (not all_dead):
        raise click.UsageError("give a message ID or --all-dead (not both)")
    if not all_dead:
        if any(filters.values()) or medium:
            raise click.UsageError("--medium, --region, --since, --until, --error: --all-dead only")
        if not resend(message_id):
            raise click.ClickException(f"message {message_id} is not dead")
        click.echo(f"message {message_id} queued again")
        return
    channel = WhatsAppChannel()  # one table for both media: either channel revives it
    try:
        wanted = read_filter(filters, known_regions(channel))
    except FilterError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from exc
    if medium is None:
        count = revive_matching(channel, wanted, None)
    else:
        where = [*wanted.conditions(PhoneMessage), PhoneMessage.medium == medium]
        count = revive(channel, *where)
    click.echo(f"queued again: {count}")

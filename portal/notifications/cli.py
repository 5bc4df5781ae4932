"""`flask --app wsgi outbox …`: deliver e-mail once, or run the long-running worker, which
delivers every registered channel (e-mail, and the SP4N-LAPOR! mirror when
NATIONAL_CONNECTOR=http; see portal/outbox/registry.py)."""

from __future__ import annotations

import signal
import threading

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.delivery import EmailChannel, resend
from portal.notifications.models import OutboxMessage
from portal.outbox.registry import channel_named, registered, registered_tick
from portal.outbox.results import DeliveryResult
from portal.outbox.revive import FilterError
from portal.outbox.worker import deliver_all_due, run
from portal.staff.revive_filters import known_regions, read_filter, revive_matching

outbox_cli = AppGroup("outbox", help="Deliver e-mail (and, with `work`, every outbox channel).")


@outbox_cli.command("send")
@click.option("--once", is_flag=True, required=True, help="Deliver what is due now, then exit.")
@click.option("--limit", default=50, show_default=True, help="Messages per batch.")
def send_cmd(once: bool, limit: int) -> None:
    """Deliver every e-mail that is due now (batch after batch), then exit."""
    click.echo(deliver_all_due(EmailChannel(), limit=limit).summary(EmailChannel.give_up_state))


@outbox_cli.command("work")
# One second: a citizen on WhatsApp waits for each answer of the conversation; an idle round
# costs one indexed query per channel (bench/chat_reply.py: the worst wait 1.1 s, 5.1 s at 5).
@click.option("--poll", default=1.0, show_default=True, help="Seconds to wait when idle.")
@click.option(
    "--tick-every",
    default=0.0,
    show_default=True,
    help="Also run `sla tick` every N seconds (0: leave it to cron).",
)
def work_cmd(poll: float, tick_every: float) -> None:
    """Deliver until SIGTERM or Ctrl-C; the message being sent is finished first."""
    stop = threading.Event()

    def _stop(signum, frame):
        click.echo(f"signal {signum}: finishing the current message, then stopping")
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    tick = registered_tick() if tick_every > 0 else None

    click.echo("outbox worker started")
    totals = run(registered(), stop, poll_seconds=poll, tick_seconds=tick_every, tick=tick)
    email = totals.pop(EmailChannel.name, DeliveryResult())
    click.echo(email.summary(EmailChannel.give_up_state))  # the e-mail line, as always
    for name, result in totals.items():  # then one line per other channel that ran
        click.echo(f"{name}: {result.summary(channel_named(name).give_up_state)}")


@outbox_cli.command("status")
def status_cmd() -> None:
    """How many messages are in each state."""
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    for state, count in db.session.execute(stmt).all():
        click.echo(f"{state}: {count}")


@outbox_cli.command("resend")
@click.argument("message_id", type=int, required=False)
@click.option("--all-dead", is_flag=True, help="Every dead message matching the filters below.")
@click.option("--region", default=None, help="With --all-dead: only this region's messages.")
@click.option("--since", default=None, help="With --all-dead: created on or after this day.")
@click.option("--until", default=None, help="With --all-dead: created on or before this day.")
@click.option("--error", default=None, help="With --all-dead: last error contains this text.")
def resend_cmd(
    message_id: int | None,
    all_dead: bool,
    region: str | None,
    since: str | None,
    until: str | None,
    error: str | None,
) -> None:
    """Send a dead message again, or every dead one matching the filters (same Message-IDs).

    Days are YYYY-MM-DD in WIB, both included.
    """
    filters = {"region": region, "since": since, "until": until, "error": error}
    if (message_id is None) == (not all_dead):
        raise click.UsageError("give a message ID or --all-dead (not both)")
    if not all_dead:
        if any(filters.values()):
            raise click.UsageError("--region, --since, --until and --error go with --all-dead")
        if not resend(message_id):
            raise click.ClickException(f"message {message_id} is not dead")
        click.echo(f"message {message_id} queued again")
        return
    channel = EmailChannel()
    try:
        wanted = read_filter(filters, known_regions(channel))
    except FilterError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from exc
    click.echo(f"queued again: {revive_matching(channel, wanted, None)}")

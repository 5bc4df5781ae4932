"""`flask --app wsgi outbox …`: deliver queued e-mail, once or as a long-running worker."""

from __future__ import annotations

import signal
import threading

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.worker import DeliveryResult, deliver_due, resend, run

outbox_cli = AppGroup("outbox", help="Deliver queued e-mail.")


def _report(result: DeliveryResult) -> None:
    click.echo(f"sent: {result.sent}, retry later: {result.retried}, dead: {result.dead}")


@outbox_cli.command("send")
@click.option("--once", is_flag=True, required=True, help="Deliver what is due now, then exit.")
@click.option("--limit", default=50, show_default=True, help="Messages per batch.")
def send_cmd(once: bool, limit: int) -> None:
    """Deliver every message that is due now (batch after batch), then exit."""
    total = DeliveryResult()
    while True:
        result = deliver_due(limit=limit)
        total.sent += result.sent
        total.retried += result.retried
        total.dead += result.dead
        if result.handled == 0:
            break
    _report(total)


@outbox_cli.command("work")
@click.option("--poll", default=5.0, show_default=True, help="Seconds to wait when idle.")
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
    tick = None
    if tick_every > 0:
        from portal.cases.sla import tick as sla_tick
        from portal.routing.active import get_router

        def tick() -> None:
            sla_tick(get_router())

    click.echo("outbox worker started")
    _report(run(stop, poll_seconds=poll, tick_seconds=tick_every, tick=tick))


@outbox_cli.command("status")
def status_cmd() -> None:
    """How many messages are in each state."""
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    for state, count in db.session.execute(stmt).all():
        click.echo(f"{state}: {count}")


@outbox_cli.command("resend")
@click.argument("message_id", type=int)
def resend_cmd(message_id: int) -> None:
    """Queue a dead message again (same Message-ID)."""
    if not resend(message_id):
        raise click.ClickException(f"message {message_id} is not dead")
    click.echo(f"message {message_id} queued again")

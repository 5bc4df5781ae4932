"""`flask --app wsgi sla tick`: run it from cron every few minutes (and at least daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cases.sla import tick
from portal.routing.active import get_router

sla_cli = AppGroup("sla", help="Working-day deadlines of open cases.")


@sla_cli.command("tick")
def tick_cmd() -> None:
    """Mark due-soon/overdue cases, close cases whose feedback window has passed, remind
    citizens halfway through a hold and end the holds that ran out."""
    result = tick(get_router())
    if result.skipped:
        click.echo("another tick is running; skipped")
        return
    click.echo(
        f"due soon: {result.due_soon}, overdue: {result.overdue}, "
        f"closed after the feedback window: {result.auto_closed}, "
        f"reminders: {result.reminders}, escalations: {result.escalations}, "
        f"digests: {result.digests}, "
        f"hold reminders: {result.hold_reminders}, "
        f"holds resumed: {result.holds_resumed}, holds closed: {result.holds_closed}"
    )

"""Which channels this app delivers: the app factory registers them, `outbox work` runs them.

Kept per app (in app.extensions), so features never import each other to be delivered
together, and a test app has exactly the channels it was built with.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from portal.outbox.channel import Channel

_KEY = "outbox_channels"
_TICK_KEY = "outbox_tick"


def register(app: Flask, channel: Channel) -> None:
    """Add a channel; a name may be registered once."""
    channels: dict[str, Channel] = app.extensions.setdefault(_KEY, {})
    if channel.name in channels:
        raise ValueError(f"outbox channel {channel.name!r} is registered twice")
    channels[channel.name] = channel


def registered(app: Flask | None = None) -> list[Channel]:
    """Every registered channel, in registration order (enabled or not)."""
    app = app or current_app
    return list(app.extensions.get(_KEY, {}).values())


def register_tick(app: Flask, tick: Callable[[], None]) -> None:
    """What `outbox work --tick-every N` runs every N seconds (the deadline tick), handed in
    by the app factory so the delivery core never imports the features it serves."""
    app.extensions[_TICK_KEY] = tick


def registered_tick(app: Flask | None = None) -> Callable[[], None] | None:
    app = app or current_app
    return app.extensions.get(_TICK_KEY)


def channel_named(name: str, app: Flask | None = None) -> Channel:
    """The registered channel of that name (KeyError if there is none)."""
    app = app or current_app
    return app.extensions.get(_KEY, {})[name]

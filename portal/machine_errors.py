"""Errors answered to programs instead of people: a feature that serves an API under a
path prefix registers how its errors look (`register`), and every app-level error answer
(no such URL, wrong method, too large, rate limit, failure, database down) asks
`machine_answer` first.

A hook rather than imports, so the low packages (rate limits, availability) never import
the API built on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

EXTENSION = "machine_errors"
Render = Callable[[int, Mapping[str, str] | None], Response]


def register(app: Flask, prefix: str, render: Render) -> None:
    """Answer errors of paths under `prefix` with `render(status, headers)`."""
    app.extensions.setdefault(EXTENSION, []).append((prefix.rstrip("/"), render))


def machine_answer(status: int, headers: Mapping[str, str] | None = None) -> Response | None:
    """The registered answer for this request's path, or None (the HTML page applies)."""
    for prefix, render in current_app.extensions.get(EXTENSION, ()):
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return render(status, headers)
    return None

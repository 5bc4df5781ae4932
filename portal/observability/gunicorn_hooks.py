"""gunicorn server hooks that deploy/gunicorn.conf.py imports (metrics across workers).

Contract: `on_starting(server)` and `child_exit(server, worker)`; `json_logconfig()` gives
gunicorn's own log configuration for LOG_FORMAT=json (None until filled in).
"""

from __future__ import annotations

from typing import Any


def on_starting(server: Any) -> None:
    """Before the first worker: filled in by the observability work."""


def child_exit(server: Any, worker: Any) -> None:
    """After a worker exits: filled in by the observability work."""


def json_logconfig() -> dict[str, Any] | None:
    """gunicorn's logconfig_dict for LOG_FORMAT=json; None keeps gunicorn's default."""
    return None

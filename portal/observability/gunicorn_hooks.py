"""gunicorn server hooks that deploy/gunicorn.conf.py imports (metrics across workers, logs).

Contract: `on_starting(server)` and `child_exit(server, worker)`; `json_logconfig()` gives
gunicorn's own log configuration for LOG_FORMAT=json (None: gunicorn's default text).

Metrics across workers: with PROMETHEUS_MULTIPROC_DIR set (a folder only this gunicorn
uses, e.g. /run/aduan-web/metrics), every worker writes its counters there and /metrics adds
them up. on_starting empties it (the figures of a previous run must not be added again);
child_exit tells prometheus_client a worker is gone and folds its counters into one merged
file, so the folder does not grow with every restarted worker. Without the variable both do nothing.

Kept light on purpose: it runs in gunicorn's master, which imports no app code.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def on_starting(server: Any) -> None:
    """Before the first worker: an empty metrics folder."""
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        return
    path = Path(folder)
    if path.is_dir():
        for entry in path.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    path.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """After a worker exits: its live gauges are dropped and its counters and histograms
    folded into one `<kind>_merged.db` per kind (merge_dead_worker)."""
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
    merge_dead_worker(Path(folder), worker.pid)


MERGED_KINDS = ("counter", "histogram", "summary")


def merge_dead_worker(folder: Path, pid: int) -> None:
    """Add a dead worker's counter/histogram values into `<kind>_merged.db` and delete its
    files. Without this every worker gunicorn restarts (max_requests: every ~1000
    requests) leaves two 64 KiB files behind until the next restart of gunicorn: on a busy
    portal thousands a day on a RAM disk, each read by every scrape, so scrapes slow down
    until they time out. Only the master runs this (one child_exit at a time), so the
    merged files have one writer, as prometheus_client's files require."""
    from prometheus_client.mmap_dict import MmapedDict

    for kind in MERGED_KINDS:
        dead = folder / f"{kind}_{pid}.db"
        if not dead.is_file():
            continue
        merged = MmapedDict(str(folder / f"{kind}_merged.db"))
        try:
            for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(str(dead)):
                merged.write_value(key, merged.read_value(key)[0] + value, timestamp)
        finally:
            merged.close()
        dead.unlink()


def json_logconfig(log_format: str | None = None) -> dict[str, Any] | None:
    """gunicorn's logconfig_dict for LOG_FORMAT=json; None keeps gunicorn's default.

    `log_format` defaults to the LOG_FORMAT environment variable. In JSON mode gunicorn's
    error log (start, workers booting and dying) and the app's lines share one handler on
    stderr that writes portal.observability.json_logs.JsonFormatter lines; gunicorn's own
    access log is dropped, since its lines carry the client's address and the app writes
    its own access line (portal.access: route template, status, duration, request id).
    """
    chosen = (log_format or os.environ.get("LOG_FORMAT") or "text").strip().lower()
    if chosen != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "portal.observability.json_logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "discard": {"class": "logging.NullHandler"},
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            # No level here: gunicorn's --log-level stays in force.
            "gunicorn.error": {"handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"handlers": ["discard"], "propagate": False},
        },
    }

"""The routing version the running app uses, kept current across processes.

The newest row of `routing_versions` is the active routing. Each process asks the database
for the newest version number at most every ROUTING_RELOAD_SECONDS (default 1 s, 0 in tests;
a primary key max, cheap), compiles a new version once and keeps the compiled Router, so a
request never parses YAML and an activation reaches every worker on every host within
about that interval. Before the first version exists (empty or unmigrated database) the app
routes by ROUTING_FILE, which then becomes version 1. An invalid ROUTING_FILE with no
version in the database stops the app before it serves a single request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import Flask, current_app

from portal.routing.loader import Router, compile_text, file_version, load_router

EXTENSION_KEY = "aduan.router"
COMPILED_KEPT = 4  # routers kept per process: the active one and a few recent ones

log = logging.getLogger(__name__)


class ActiveRouting:
    """One process's view of the active routing: the newest version, compiled once."""

    def __init__(self, app: Flask, file_path: str, interval: float):
        self.app = app
        self.file_path = file_path
        self.interval = interval
        self.version_id: int | None = None
        self._file: tuple[str, Router] | None = None
        self._compiled: OrderedDict[str, Router] = OrderedDict()  # content hash -> Router
        self._router: Router | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    # --- the file, used until the database has a version --------------------------------

    def file_router(self) -> tuple[str, Router]:
        """(text, Router) of ROUTING_FILE; RoutingFileError if it is invalid."""
        if self._file is None:
            router = load_router(self.file_path)
            text = Path(self.file_path).read_text(encoding="utf-8")
            if file_version(text) != router.version:  # edited between the two reads
                router = compile_text(text, self.file_path)
            self._file = (text, router)
        return self._file

    # --- the newest version ----------------------------------------------------------------

    def router(self) -> Router:
        if self._router is not None and time.monotonic() - self._checked_at < self.interval:
            return self._router
        with self._lock:
            if self._router is None or time.monotonic() - self._checked_at >= self.interval:
                self._refresh()
        assert self._router is not None
        return self._router

    def _refresh(self) -> None:
        from portal.extensions import db
        from portal.routing.versions import newest_id

        try:
            with db.engine.connect() as connection:
                newest = newest_id(connection)
                text = _version_text(connection, newest) if newest != self.version_id else None
        except Exception:  # a database hiccup must not stop routing: keep what we have
            if self._router is None:
                raise
            log.exception(
                "cannot read the newest routing version; keeping version %s", self.version_id
            )
            return
        self._checked_at = time.monotonic()
        if newest == self.version_id and self._router is not None:
            return
        if newest is None or text is None:
            self._router = self.file_router()[1]
        else:
            self._router = self.compiled(text, f"version {newest}")
        self.version_id = newest

    def compiled(self, text: str, filename: str) -> Router:
        """The Router of a stored (so already validated) text, compiled once per process."""
        key = file_version(text)
        router = self._compiled.get(key)
        if router is None:
            router = compile_text(text, filename)
            router.source = self.file_path  # logos etc. are relative to the routing file
            self._compiled[key] = router
            while len(self._compiled) > COMPILED_KEPT:
                self._compiled.popitem(last=False)
        self._compiled.move_to_end(key)
        return router

    def activated(self, version_id: int, router: Router) -> None:
        """This process just stored `version_id`: use it now, without compiling again."""
        with self._lock:
            router.source = self.file_path
            self._compiled[router.version] = router
            self._router, self.version_id = router, version_id
            self._checked_at = time.monotonic()

    def forget(self) -> None:
        """Ask the database again on the next call (tests empty the tables between tests)."""
        self._checked_at = float("-inf")


def _version_text(connection, version_id: int | None) -> str | None:
    from sqlalchemy import select

    from portal.routing.models import RoutingVersion

    if version_id is None:
        return None
    stmt = select(RoutingVersion.text).where(RoutingVersion.id == version_id)
    return connection.execute(stmt).scalar()


def configure_routing(app: Flask) -> None:
    """Load the active routing at start-up; seed the database from ROUTING_FILE once."""
    interval = float(app.config["ROUTING_RELOAD_SECONDS"])  # load_config: 1 s, 0 in tests
    state = ActiveRouting(app, app.config["ROUTING_FILE"], interval)
    app.extensions[EXTENSION_KEY] = state
    with app.app_context():
        from portal.extensions import db
        from portal.routing.versions import newest_id, seed_from_file

        with db.engine.connect() as connection:
            has_table = _has_versions_table(connection)
            newest = newest_id(connection) if has_table else None
        if newest is None:
            text, _ = state.file_router()  # RoutingFileError: the app refuses to start
            if has_table:
                seed_from_file(text, str(app.config["ROUTING_FILE"]))
                db.session.remove()
        state.router()


def _has_versions_table(connection) -> bool:
    from sqlalchemy import inspect

    return inspect(connection).has_table("routing_versions")


def routing_state() -> ActiveRouting | None:
    """The app's ActiveRouting, or None when a Router was pinned (tests do that)."""
    value = current_app.extensions[EXTENSION_KEY]
    return value if isinstance(value, ActiveRouting) else None


def get_router() -> Router:
    """The compiled newest routing version (checked at most every reload interval)."""
    value = current_app.extensions[EXTENSION_KEY]
    return value if isinstance(value, Router) else value.router()

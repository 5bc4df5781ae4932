"""The routing version the running app uses, kept current across processes.

The newest row of `routing_versions` is the active routing. Each process asks the database
for the newest version number at most every ROUTING_RELOAD_SECONDS (default 1 s, 0 in tests;
a primary key max, cheap), compiles a new version once and keeps the compiled Router, so a
request never parses YAML and an activation reaches every worker on every host within
about that interval. Before the first version exists (empty or unmigrated database) the app
routes by ROUTING_FILE, which then becomes version 1.

Nothing here needs the database to build the app: the routing is loaded on first use, once
the database answers, so a worker that (re)starts during a database outage boots, serves
the "sedang gangguan" page (portal/availability/) and routes as soon as the database is
back. ROUTING_FILE is validated at start-up (no database needed); an invalid one stops the
app when the database says it holds no version, and when the database cannot be asked the
app starts and refuses to route (RoutingUnavailable, HTTP 503) until a version exists.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import Flask, current_app

from portal.routing.loader import Router, compile_text, file_version, load_router
from portal.routing.model import RoutingFileError

EXTENSION_KEY = "aduan.router"
COMPILED_KEPT = 4  # routers kept per process: the active one and a few recent ones

log = logging.getLogger(__name__)


class RoutingUnavailable(RuntimeError):
    """No routing to serve yet: the database holds no version and ROUTING_FILE is invalid.

    (A database that cannot be reached raises its own error.) The pages answer 503.
    """


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
        self._first_load_done = False  # the once-per-process seeding of version 1
        self._failing = False  # the database stopped answering (logged once per outage)

    @property
    def loaded(self) -> bool:
        """Has this process a routing to serve (loaded from the database at least once)?"""
        return self._router is not None

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
            if not self._first_load_done:
                self._first_load()
            with db.engine.connect() as connection:
                newest = newest_id(connection)
                text = _version_text(connection, newest) if newest != self.version_id else None
        except Exception as exc:  # a database hiccup must not stop routing: keep what we have
            if self._router is None:
                raise
            self._checked_at = time.monotonic()  # ask again after the interval, not at once
            if not self._failing:
                log.warning(
                    "cannot read the newest routing version; keeping version %s: %s",
                    self.version_id,
                    exc,
                )
            self._failing = True
            return
        if self._failing:
            log.info("the database answers again; routing version %s", newest)
        self._failing = False
        self._checked_at = time.monotonic()
        if newest == self.version_id and self._router is not None:
            return
        if newest is None or text is None:
            self._router = self._file_router_or_unavailable()
        else:
            self._router = self.compiled(text, f"version {newest}")
        self.version_id = newest

    def _first_load(self) -> None:
        """What start-up used to do: seed version 1 from ROUTING_FILE into a migrated,
        empty database. Once per process, on the first contact with the database."""
        from portal.extensions import db
        from portal.routing.versions import newest_id, seed_on

        with db.engine.connect() as connection:
            has_table = _has_versions_table(connection)
            newest = newest_id(connection) if has_table else None
        if has_table and newest is None:
            text, _router = self._file_text_or_unavailable()
            seed_on(db.engine, text, str(self.file_path))
        self._first_load_done = True

    def _file_text_or_unavailable(self) -> tuple[str, Router]:
        try:
            return self.file_router()
        except RoutingFileError as exc:
            raise RoutingUnavailable(
                "the database holds no routing version and ROUTING_FILE is invalid: "
                + "; ".join(str(issue) for issue in exc.issues[:3])
            ) from exc

    def _file_router_or_unavailable(self) -> Router:
        return self._file_text_or_unavailable()[1]

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
    """Prepare the active routing without asking the database (it loads on first use).

    ROUTING_FILE is checked here: an invalid file stops the app (RoutingFileError) unless
    the database holds a version to route by, or cannot be asked now (an outage must not
    keep a worker from booting; it then routes once a version exists).
    """
    interval = float(app.config["ROUTING_RELOAD_SECONDS"])  # load_config: 1 s, 0 in tests
    state = ActiveRouting(app, app.config["ROUTING_FILE"], interval)
    app.extensions[EXTENSION_KEY] = state
    try:
        state.file_router()
    except RoutingFileError:
        known = _database_has_version(app)
        if known is None:
            log.error(
                "ROUTING_FILE %s is invalid and the database cannot be asked whether it "
                "holds a routing version; starting, pages answer 503 until one exists",
                state.file_path,
            )
        elif not known:
            raise  # the app refuses to start (wsgi.py prints the issues)


def _database_has_version(app: Flask) -> bool | None:
    """Does the database hold a routing version? None when it cannot be reached."""
    from sqlalchemy.exc import SQLAlchemyError

    from portal.extensions import db
    from portal.routing.versions import newest_id

    with app.app_context():
        try:
            with db.engine.connect() as connection:
                if not _has_versions_table(connection):
                    return False
                return newest_id(connection) is not None
        except SQLAlchemyError as exc:
            log.warning("cannot reach the database to look for a routing version: %s", exc)
            return None
        finally:
            db.session.remove()


def _has_versions_table(connection) -> bool:
    from sqlalchemy import inspect

    return inspect(connection).has_table("routing_versions")


def routing_state() -> ActiveRouting | None:
    """The app's ActiveRouting, or None when a Router was pinned (tests do that)."""
    value = current_app.extensions[EXTENSION_KEY]
    return value if isinstance(value, ActiveRouting) else None


def stored_router(short_hash: str) -> Router | None:
    """The compiled stored version a complaint or poster batch records as its
    `routing_version`, None when no stored version has that hash (or it no longer compiles)."""
    from portal.routing.versions import text_for_hash

    text = text_for_hash(short_hash)
    if text is None:
        return None
    state = routing_state()
    try:
        if state is not None:
            return state.compiled(text, f"version {short_hash}")
        return compile_text(text, f"version {short_hash}")
    except RoutingFileError:
        return None


def get_router() -> Router:
    """The compiled newest routing version (checked at most every reload interval)."""
    value = current_app.extensions[EXTENSION_KEY]
    return value if isinstance(value, Router) else value.router()

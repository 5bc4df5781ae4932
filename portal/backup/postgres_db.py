"""PostgreSQL backups with pg_dump's custom format, restored with pg_restore.

pg_dump reads one snapshot, so the dump is consistent while the portal serves and holds
no lock that stops citizens (only ACCESS SHARE: a migration waits, nothing else). The
manifest's row counts are read in that same snapshot (exported to pg_dump), so they are
exactly what the dump holds. The password travels in PGPASSWORD, never on a command line
that `ps` shows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

LOCK_TIMEOUT_MS = 15_000


class ToolProblem(RuntimeError):
    """pg_dump/pg_restore missing, too old for the server, or failed; says what to do."""


def libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """(connection URI without the password, environment with PGPASSWORD) for the tools."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def tool_major(tool: str) -> tuple[str, int]:
    """(full path, major version) of pg_dump/pg_restore on PATH; ToolProblem if absent."""
    path = shutil.which(tool)
    if path is None:
        raise ToolProblem(
            f"{tool} is not installed (or not on PATH): install the PostgreSQL client "
            f"of your server's version, e.g. apt-get install postgresql-client"
        )
    # Our own argument list, no shell: nothing a user typed reaches the command line.
    out = subprocess.run(  # noqa: S603
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    if not found:
        raise ToolProblem(f"cannot read the version of {tool} from {out.strip()!r}")
    return path, int(found.group(1))


def server_major(connection: Connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def version_problem(tool: str, tool_major: int, server_major: int) -> str | None:
    """Why this client cannot work with this server, or None: an older pg_dump refuses a
    newer server, and an older pg_restore cannot read what a newer pg_dump wrote."""
    if tool_major >= server_major:
        return None
    return (
        f"{tool} is version {tool_major}, older than the PostgreSQL server ({server_major}); "
        f"install postgresql-client-{server_major} and put its bin folder first on PATH"
    )


def check_tool(tool: str, server: int) -> str:
    """The tool's full path, once it is known to suit the server."""
    path, major = tool_major(tool)
    problem = version_problem(tool, major, server)
    if problem:
        raise ToolProblem(problem)
    return path


def dump(
    database_url: str, dest: Path, read_in_snapshot: Callable[[Connection], Any]
) -> tuple[Any, int]:
    """pg_dump --format=custom into `dest`; returns (read_in_snapshot's result, server major).

    `read_in_snapshot` runs in the very snapshot pg_dump dumps (for the manifest's counts).
    """
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            server = server_major(connection)
            connection.rollback()
        pg_dump = check_tool("pg_dump", server)
        snapshot_reader = engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with snapshot_reader as connection, connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            seen = read_in_snapshot(connection)
            uri, env = libpq_target(database_url)
            run = subprocess.run(  # noqa: S603 (our argument list, no shell)
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={dest}",
                    f"--dbname={uri}",
                ],
                capture_output=True,
                text=True,
                env=env,
            )
    finally:
        engine.dispose()
    if run.returncode != 0:
        raise ToolProblem(f"pg_dump failed: {run.stderr.strip()}")
    return seen, server


def restore(database_url: str, dump_file: Path) -> None:
    """pg_restore --clean --if-exists --no-owner, in one transaction: all of it or nothing."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            pg_restore = check_tool("pg_restore", server_major(connection))
    finally:
        engine.dispose()
    uri, env = libpq_target(database_url)
    # A portal still connected holds locks that the DROPs would wait on for ever.
    env["PGOPTIONS"] = f"-c lock_timeout={LOCK_TIMEOUT_MS}"
    run = subprocess.run(  # noqa: S603 (our argument list, no shell)
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(dump_file),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if run.returncode != 0:
        hint = (
            " (is the portal or a worker still connected? stop them first)"
            if "lock timeout" in run.stderr
            else ""
        )
        raise ToolProblem(f"pg_restore failed; nothing was changed{hint}: {run.stderr.strip()}")

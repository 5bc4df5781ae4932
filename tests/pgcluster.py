"""A private PostgreSQL server for fault tests: started, stopped, crashed and restarted by the
test itself, on its own port, so the shared database of the rest of the suite never goes away.

It needs the server binaries (Debian's postgresql package: initdb, pg_ctl, postgres). The
server refuses to run as root, so under root it runs as the `postgres` system user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.components import unavailable


def _bin_dir() -> Path | None:
    """The newest installed server's bin folder (initdb is not on PATH on Debian)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateCluster:
    """One throw-away server: `start()`, `stop()`, `crash()` (SIGKILL), `start()` again.

    `url` names database `aduan` on it, created on the first start; data survives a stop or
    a crash (a crash is recovered from the WAL on the next start, as on a real server).
    """

    def __init__(self, bin_dir: Path, root: Path, port: int):
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.port = port
        self.url = f"postgresql://aduan@127.0.0.1:{port}/aduan"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            entry = pwd.getpwnam("postgres")
            os.chown(root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "aduan", "--auth=trust", "-E", "UTF8")
        # fsync off is safe here: crash() kills processes, not the kernel, so written WAL
        # survives. synchronous_commit stays on: off, a crash loses commits the client was
        # told had succeeded, which is not the server real deployments run.
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{root}'\nfsync = off\n"
                "full_page_writes = off\nmax_connections = 60\n"
            )
        self._created = False

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*self._as_user, str(self.bin_dir / tool), *args],
            capture_output=True,
            text=True,
            cwd=self.root,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {done.stderr or done.stdout}")
        return done

    def start(self) -> None:
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "start")
        if not self._created:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "aduan", "aduan")
            self._created = True

    def stop(self) -> None:
        """A clean, fast shutdown: open connections are closed by the server."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def crash(self) -> None:
        """SIGKILL the postmaster and every backend: what a power cut looks like to clients."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        for target in [pid, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(target, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)

    def is_up(self) -> bool:
        return (
            self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode
            == 0
        )

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def private_cluster() -> PrivateCluster:
    """A new, stopped-never-started server on a free port (call start()); skips (or fails
    under CI=true) when the server binaries are not installed."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        unavailable("PostgreSQL server binaries not found (apt-get install postgresql)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        unavailable("running as root without runuser: cannot start a private PostgreSQL")
    root = Path(tempfile.mkdtemp(prefix="aduan-pg-"))
    root.chmod(0o755)
    return PrivateCluster(bin_dir, root, free_port())


_shared: PrivateCluster | None = None


def shared_cluster() -> PrivateCluster:
    """One private server for the whole run (initdb costs seconds), started if a previous
    test left it stopped or crashed; removed at exit by the `pg_cluster` fixture's owner."""
    global _shared
    if _shared is None:
        _shared = private_cluster()
    if not _shared.is_up():
        _shared.start()
    return _shared


def destroy_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.destroy()
        _shared = None

"""A TCP proxy in front of PostgreSQL that cuts a connection during COMMIT, for real.

`arm("before")`: the next COMMIT is swallowed and both sides are closed, so the server
aborts the transaction (the client cannot know: the row does not exist).
`arm("after")`: the next COMMIT reaches the server, the server's answer is read and then
thrown away, and the client's side is closed (the row exists; the client cannot know).
`refuse = True`: new connections are closed at once, as while the database is away.

psycopg sends a commit as the simple query "COMMIT" (message Q, length 11).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class CommitDropProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.refuse = False
        self.fired = threading.Event()
        self._armed: str | None = None
        self._lock = threading.Lock()
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, mode: str) -> None:
        assert mode in ("before", "after")
        self.fired.clear()
        with self._lock:
            self._armed = mode

    def _take(self) -> str | None:
        with self._lock:
            mode, self._armed = self._armed, None
            return mode

    def close(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            if self.refuse:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        try:
            while True:
                ready, _w, _x = select.select([client, server], [], [], 60)
                if not ready:
                    continue
                if client in ready:
                    data = client.recv(65536)
                    if not data:
                        return
                    if COMMIT in data:
                        mode = self._take()
                        if mode == "before":
                            self.fired.set()
                            return  # closes both: the server aborts the transaction
                        if mode == "after":
                            server.sendall(data)
                            answer = b""
                            while b"COMMIT" not in answer:  # CommandComplete "COMMIT" ...
                                more = server.recv(65536)
                                if not more:
                                    break
                                answer += more
                            self.fired.set()
                            return  # ... never reaches the client
                    server.sendall(data)
                if server in ready:
                    data = server.recv(65536)
                    if not data:
                        return
                    client.sendall(data)
        except OSError:
            return
        finally:
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.close()

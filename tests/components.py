"""Real components the tests drive (PostgreSQL, Redis, Chromium, zxing-cpp, SMTP).

Locally an absent component skips its tests with the reason; under CI=true it fails them,
so CI can never go green by skipping what it was meant to check.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (in CI) the calling test because a component is missing."""
    if IN_CI:
        pytest.fail(f"required component missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def zxing():
    """The zxing-cpp module, the real QR decoder we check printed codes with."""
    try:
        import zxingcpp
    except ImportError:
        unavailable("zxing-cpp is not installed (pip install zxing-cpp)")
    return zxingcpp


def chromium() -> str:
    """Path of Debian's Chromium, which Playwright drives (it never downloads its own)."""
    import shutil
    from pathlib import Path

    found = shutil.which("chromium")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    return found


def redis_url() -> str:
    """URL of the real local Redis (TEST_REDIS_URL, default 127.0.0.1:6379), once it answers."""
    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis
    except ImportError:
        unavailable("the redis client is not installed (pip install redis)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis does not answer at {url} ({exc}); apt-get install redis-server")
    return url


class S3Server:
    """moto's `moto_server` as a process of its own: an S3 REST endpoint on loopback that
    boto3 talks real HTTP (SigV4-signed) to. A protocol-level stand-in, not a storage
    product: Debian offers only Ceph's radosgw (a whole cluster) and no registry ships a
    MinIO binary. `stop()` and `start()` (same port) make an outage; moto keeps its data
    in memory, so a restarted server is empty and buckets are made again."""

    ACCESS_KEY = "portal-test-access"
    SECRET_KEY = "portal-test-secret"
    REGION = "us-east-1"

    def __init__(self, program: str, port: int):
        self.program = program
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self) -> None:
        import subprocess
        import time
        import urllib.request

        self.process = subprocess.Popen(
            [self.program, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()  # noqa: S310
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.endpoint} within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def client(self):
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
            region_name=self.REGION,
        )

    def new_bucket(self) -> str:
        """A fresh private bucket (names need 3+ characters)."""
        import uuid

        name = f"photos-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str) -> dict[str, str]:
        """The portal's environment for this server and bucket."""
        return {
            "UPLOAD_STORAGE": "s3",
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_BUCKET": bucket,
            "S3_ACCESS_KEY": self.ACCESS_KEY,
            "S3_SECRET_KEY": self.SECRET_KEY,
            "S3_REGION": self.REGION,
        }


def s3_server() -> S3Server:
    """A started moto_server on a free loopback port (the caller stops it)."""
    import shutil
    import socket
    import sys
    from pathlib import Path

    program = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    if not Path(program).is_file():
        unavailable("moto_server is not installed (the dev dependency moto[server])")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = S3Server(program, port)
    server.start()
    return server

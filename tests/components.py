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

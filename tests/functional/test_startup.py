"""The app refuses to start on a broken routing file or an unsafe production config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.config import ConfigError
from portal.routing.model import RoutingFileError

ROOT = Path(__file__).resolve().parents[2]


def run_flask(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "APP_ENV"}}
    env.update({"INSTANCE_PATH": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_invalid_routing_file_stops_the_app(tmp_path):
    broken = tmp_path / "rules.yaml"
    broken.write_text("version: 1\nregions:\n  - id: kalsel\n    nmae: Kalsel\n")
    result = run_flask(["routes"], {"ROUTING_FILE": str(broken)}, tmp_path)
    assert result.returncode == 1
    assert "refuses to start" in result.stderr
    assert f"{broken}:4:" in result.stderr  # FILE:LINE: message for the misspelt key
    assert "did you mean" in result.stderr


def test_routing_check_cli(tmp_path):
    ok = run_flask(["routing", "check"], {}, tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout
    broken = tmp_path / "bad.yaml"
    broken.write_text("version: 1\nregions: [\n")
    bad = run_flask(["routing", "check", str(broken)], {}, tmp_path)
    assert bad.returncode == 1
    assert str(broken) + ":" in bad.stderr


def test_production_refuses_default_secrets(tmp_path):
    base = {
        "APP_ENV": "production",
        "INSTANCE_PATH": str(tmp_path),
        "PUBLIC_BASE_URL": "https://aduan.example.org",
    }
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(environ=base)
    with pytest.raises(ConfigError, match="QR_SIGNING_KEYS"):
        create_app(environ={**base, "SECRET_KEY": "s" * 48})
    with pytest.raises(ConfigError, match="QR_SIGNING_KEYS"):
        create_app(
            environ={
                **base,
                "SECRET_KEY": "s" * 48,
                "QR_SIGNING_KEYS": "D1:development-only-qr-key-change-me",
            }
        )
    app = create_app(
        environ={
            **base,
            "SECRET_KEY": "s" * 48,
            "QR_SIGNING_KEYS": "P1:production-secret-0123456789",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_broken_routing_file_in_process(tmp_path):
    broken = tmp_path / "rules.yaml"
    broken.write_text("regions: 3\n")
    with pytest.raises(RoutingFileError) as info:
        create_app(
            environ={
                "APP_ENV": "testing",
                "SECRET_KEY": "x" * 40,
                "INSTANCE_PATH": str(tmp_path),
                "ROUTING_FILE": str(broken),
            }
        )
    assert all(str(i).startswith(str(broken) + ":") for i in info.value.issues)


def test_routing_check_of_another_file_while_the_active_one_is_broken(tmp_path):
    broken = tmp_path / "active.yaml"
    broken.write_text("regions: 3\n")
    good = ROOT / "routing_rules.yaml"
    result = run_flask(["routing", "check", str(good)], {"ROUTING_FILE": str(broken)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    # The broken active file still stops everything else.
    served = run_flask(["routes"], {"ROUTING_FILE": str(broken)}, tmp_path)
    assert served.returncode == 1 and f"{broken}:1:" in served.stderr

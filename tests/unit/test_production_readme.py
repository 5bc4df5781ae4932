"""README *Production* followed on a fresh Debian 12: every command it runs is installed.

A minimal Debian 12 server (root password set at install) has no sudo, curl or rclone;
the walk-through's first apt-get line must bring each tool a later step calls, or that
step fails on the very server the section is written for.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"

# A command the walk-through calls -> the Debian 12 package that brings it.
PACKAGES = {
    "sudo": "sudo",
    "curl": "curl",
    "rclone": "rclone",
    "certbot": "certbot",
    "pipx": "pipx",
    "git": "git",
    "make": "make",
    "nginx": "nginx",
}


def production_blocks() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Production", 1)[1].split("\n## ", 1)[0]
    return "\n".join(re.findall(r"```\n(.*?)```", section, re.S))


def test_the_first_apt_line_installs_every_tool_the_walk_through_calls():
    blocks = production_blocks()
    apt = re.search(r"^apt-get install -y (.*)$", blocks, re.M)
    assert apt, "README Production has no apt-get install line"
    installed = set(apt.group(1).split())
    called = {
        name for name in PACKAGES if re.search(rf"(^|[\s;&|(]){re.escape(name)}\s", blocks, re.M)
    }
    assert {"sudo", "curl", "rclone"} <= called  # what this test was written for
    missing = sorted(PACKAGES[name] for name in called if PACKAGES[name] not in installed)
    assert missing == [], f"README Production calls these but never installs them: {missing}"


def test_the_backup_timer_is_enabled_after_its_folder_exists():
    blocks = production_blocks()
    folder = blocks.find("install -d -o aduan -g aduan -m 700 /var/backups/aduan")
    timer = blocks.find("enable --now aduan-backup.timer")
    assert 0 <= folder < timer

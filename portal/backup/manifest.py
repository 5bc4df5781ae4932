"""The manifest: what a backup holds, with a sha256 of each part and of itself.

A restore checks every part against it before touching anything, so a flipped byte or a
missing file refuses the whole backup. Pure: files and JSON only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from portal.backup import layout

CHUNK = 1024 * 1024


class DamagedBackup(RuntimeError):
    """The backup is incomplete or altered; the message says which part."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_part(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def _checksum(body: dict[str, Any]) -> str:
    data = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def write(folder: Path, body: dict[str, Any]) -> None:
    """The manifest with a checksum of its own content (an edited count is caught too)."""
    signed = {**body, "checksum": _checksum(body)}
    text = json.dumps(signed, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (folder / layout.MANIFEST).write_text(text, encoding="utf-8")


def read(folder: Path) -> dict[str, Any]:
    path = folder / layout.MANIFEST
    if not path.is_file():
        raise DamagedBackup(f"{folder} holds no {layout.MANIFEST}: not a backup, or incomplete")
    try:
        signed = json.loads(path.read_text(encoding="utf-8"))
        checksum = signed.pop("checksum")
    except (ValueError, KeyError, AttributeError, TypeError) as exc:
        raise DamagedBackup(f"{layout.MANIFEST} is unreadable ({exc})") from exc
    if _checksum(signed) != checksum:
        raise DamagedBackup(f"{layout.MANIFEST} was altered (its checksum does not match)")
    if signed.get("format") != layout.FORMAT:
        raise DamagedBackup(
            f"backup format {signed.get('format')!r} is not {layout.FORMAT}: "
            "restore it with the portal version that wrote it"
        )
    return signed


def verify_parts(folder: Path, body: dict[str, Any]) -> None:
    """Every part the manifest names is present, of its size and sha256; else DamagedBackup."""
    for name, expected in sorted(body["parts"].items()):
        path = folder / name
        if Path(name).name != name:
            raise DamagedBackup(f"the manifest names a part outside the backup: {name!r}")
        if not path.is_file():
            raise DamagedBackup(f"part {name} is missing")
        if path.stat().st_size != expected["bytes"]:
            raise DamagedBackup(
                f"part {name} has {path.stat().st_size} bytes, the manifest says "
                f"{expected['bytes']}"
            )
        if sha256_file(path) != expected["sha256"]:
            raise DamagedBackup(f"part {name} is damaged (its sha256 does not match)")

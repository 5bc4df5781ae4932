"""Uploaded photos on disk under UPLOAD_FOLDER, never inside a public static folder."""

from __future__ import annotations

import secrets
from pathlib import Path


def _path(upload_dir: str | Path, key: str) -> Path:
    return Path(upload_dir) / key[:2] / key


def save_blob(upload_dir: str | Path, data: bytes, suffix: str = ".jpg") -> str:
    key = secrets.token_hex(16) + suffix
    path = _path(upload_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return key


def delete_blob(upload_dir: str | Path, key: str) -> None:
    _path(upload_dir, key).unlink(missing_ok=True)


def blob_path(upload_dir: str | Path, key: str) -> Path:
    return _path(upload_dir, key)

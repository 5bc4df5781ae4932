"""Uploaded photos on disk under UPLOAD_FOLDER, never inside a public static folder.

A photo is written under a temporary name (`<key>.part`) in its final folder, flushed to
disk (fsync), then renamed into place, and the folder entry is flushed too: a file with a
photo's name is always a complete photo, even after a power cut. Any failure removes what
this call wrote and raises StorageFailure, so a full, read-only or vanished upload folder
never leaves a stray `.part` file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

PART = ".part"  # the temporary name's ending; the sweep removes old ones


class StorageFailure(Exception):
    """The upload folder refused a photo (full, read-only, no permission, quota, gone).

    `errno_name` (ENOSPC, EROFS, EACCES, EDQUOT, ENOTDIR ...) is for the operator's log;
    the citizen is told the photo cannot be stored now and may send without it.
    """

    def __init__(self, cause: OSError):
        self.cause = cause
        self.errno_name = errno.errorcode.get(cause.errno or 0, "unknown")
        super().__init__(f"{self.errno_name}: {cause.strerror or cause}")


def _path(upload_dir: str | Path, key: str) -> Path:
    return Path(upload_dir) / key[:2] / key


def new_key(suffix: str = ".jpg") -> str:
    """A fresh, unguessable storage key (its first two characters name its folder)."""
    return secrets.token_hex(16) + suffix


def save_blob(upload_dir: str | Path, data: bytes, suffix: str = ".jpg") -> str:
    """Write `data` durably under a new key; StorageFailure (nothing left behind) if not."""
    key = new_key(suffix)
    path = _path(upload_dir, key)
    tmp = path.with_name(path.name + PART)
    moved = False
    try:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(path.parent.parent)  # the new folder's own entry
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)  # may itself fail (EIO, EDQUOT on network filesystems)
        os.replace(tmp, path)
        moved = True
        _fsync_dir(path.parent)  # the rename survives a power cut
    except OSError as exc:
        _unlink_quietly(path if moved else tmp)
        raise StorageFailure(exc) from exc
    return key


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):  # the folder refuses even this: the sweep removes it
        path.unlink(missing_ok=True)


def delete_blob(upload_dir: str | Path, key: str) -> None:
    """Best effort: a file the folder refuses to drop (read-only) is left to the sweep."""
    _unlink_quietly(_path(upload_dir, key))


def blob_path(upload_dir: str | Path, key: str) -> Path:
    return _path(upload_dir, key)

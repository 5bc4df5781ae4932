"""Photos on disk under UPLOAD_FOLDER, never inside a public static folder (one host).

A photo is written under a temporary name (`<key>.part`) in its final folder, flushed to
disk (fsync), then renamed into place, and the folder entry is flushed too: a file with a
photo's name is always a complete photo, even after a power cut. Any failure removes what
this call wrote and raises StorageFailure, so a full, read-only or vanished upload folder
never leaves a stray `.part` file behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from portal.photo_store.base import (
    PhotoMissing,
    StorageFailure,
    StoredItem,
    check_key,
    new_key,
)

PART = ".part"  # the temporary name's ending; the sweep removes old ones


def blob_path(upload_dir: str | Path, key: str) -> Path:
    """Where the local store keeps `key` under `upload_dir` (`ab/<key>`)."""
    return Path(upload_dir) / key[:2] / key


def save_blob(upload_dir: str | Path, data: bytes, suffix: str = ".jpg") -> str:
    """Write `data` durably under a new key; StorageFailure (nothing left behind) if not."""
    key = new_key(suffix)
    _write(blob_path(upload_dir, key), data)
    return key


def _write(path: Path, data: bytes) -> None:
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
    _unlink_quietly(blob_path(upload_dir, key))


@dataclass(frozen=True)
class LocalPhotoStore:
    """UPLOAD_STORAGE=local: the folder UPLOAD_FOLDER, exactly as before the S3 store."""

    folder: str
    kind: str = "local"

    def describe(self) -> str:
        return f"UPLOAD_FOLDER {self.folder}"

    def where(self, key: str) -> str:
        return str(blob_path(self.folder, key))

    def path(self, key: str) -> Path:
        return blob_path(self.folder, key)

    def save(self, data: bytes, suffix: str = ".jpg") -> str:
        return save_blob(self.folder, data, suffix)

    def put(self, key: str, data: bytes) -> None:
        check_key(key)  # a restore's key names a file inside the folder, nothing else
        _write(blob_path(self.folder, key), data)

    def read(self, key: str) -> bytes:
        path = blob_path(self.folder, key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise PhotoMissing(key, str(path)) from exc
        except OSError as exc:
            raise StorageFailure(exc) from exc

    def exists(self, key: str) -> bool:
        return blob_path(self.folder, key).is_file()

    def delete(self, key: str) -> None:
        delete_blob(self.folder, key)

    def items(self) -> Iterator[StoredItem]:
        root = Path(self.folder)
        if not root.is_dir():
            return
        for folder in sorted(root.iterdir()):
            if not folder.is_dir() or folder.is_symlink():
                continue
            for path in sorted(folder.iterdir()):
                try:
                    stat = path.lstat()
                except FileNotFoundError:  # removed meanwhile (a failed upload cleaned up)
                    continue
                if not path.is_file() or path.is_symlink():
                    continue
                name = path.name
                unfinished = name.endswith(PART)
                yield StoredItem(
                    key=name[: -len(PART)] if unfinished else name,
                    name=f"{folder.name}/{name}",
                    modified=stat.st_mtime,
                    size=stat.st_size,
                    unfinished=unfinished,
                )

    def remove(self, item: StoredItem) -> None:
        (Path(self.folder) / item.name).unlink(missing_ok=True)

    def problem(self) -> str | None:
        return None  # a folder's trouble shows on the write itself (StorageFailure)

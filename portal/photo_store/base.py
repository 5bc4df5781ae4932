"""What every photo user relies on, whichever store holds the bytes (local folder or S3).

The interface is small on purpose: intake saves and deletes, the case pages and Open311
read, the orphan sweep lists keys with their age, and backup lists, reads and puts. A
store raises StorageFailure for anything that stops it storing or reading (a full disk,
an S3 server that is down or refuses the credentials), so one citizen answer covers all
of them, and PhotoMissing for a key it does not hold.
"""

from __future__ import annotations

import errno
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class StorageFailure(Exception):
    """The store refused a photo (full, read-only, no permission, quota, gone, S3 down).

    `errno_name` (ENOSPC, EROFS, EACCES, ..., or "S3 AccessDenied", "S3 unreachable") is
    for the operator's log; the citizen is told the photo cannot be stored now and may
    send without it. `detail` is the one-line reason, never anything the citizen typed.
    """

    def __init__(self, cause: BaseException, errno_name: str | None = None):
        self.cause = cause
        if errno_name is None:
            code = getattr(cause, "errno", None) or 0
            errno_name = errno.errorcode.get(code, "unknown")
        self.errno_name = errno_name
        strerror = getattr(cause, "strerror", None)
        self.detail = strerror or str(cause) or cause.__class__.__name__
        super().__init__(f"{self.errno_name}: {self.detail}")


class PhotoMissing(LookupError):
    """The store holds no photo under that key (a database restored without its photos)."""

    def __init__(self, key: str, where: str):
        self.key = key
        self.where = where  # the file path or s3://bucket/object, for the operator's log
        super().__init__(f"photo {key} is missing at {where}")


@dataclass(frozen=True)
class StoredItem:
    """One entry the store holds, as the sweep and the backup see it."""

    key: str  # the photo's key (for an unfinished write: the key it was meant to get)
    name: str  # where it sits, as `ab/<key>` (the backup's layout, whatever the store)
    modified: float  # seconds since the epoch
    size: int
    unfinished: bool = False  # a local `.part` left by a write that never completed


def new_key(suffix: str = ".jpg") -> str:
    """A fresh, unguessable storage key (its first two characters name its folder)."""
    return secrets.token_hex(16) + suffix


KEY = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{1,5}$")  # what new_key draws, and nothing else


def is_key(key: str) -> bool:
    """Whether `key` is a name new_key could have drawn: no `/`, no `..`, no dot file, so
    a key from a backup or a row can never name a place outside the folder or the bucket."""
    return bool(KEY.match(key))


def check_key(key: str) -> None:
    """ValueError for a key new_key could not have drawn (put: restore, copy-to-s3)."""
    if not is_key(key):
        raise ValueError(f"not a photo key: {key!r}")


def layout_name(key: str) -> str:
    """`ab/<key>`: how a key sits in the upload folder and in a backup's uploads.tar."""
    return f"{key[:2]}/{key}"


@runtime_checkable
class PhotoStore(Protocol):
    """Where photos live. Every method takes and returns plain values."""

    kind: str  # "local" or "s3"

    def describe(self) -> str:
        """`folder /srv/uploads` or `S3 bucket photos at http://minio:9000`, for logs."""
        ...

    def where(self, key: str) -> str:
        """The place of one key (a path, or s3://bucket/key), for logs."""
        ...

    def save(self, data: bytes, suffix: str = ".jpg") -> str:
        """Store `data` durably under a new key and return it; StorageFailure (nothing
        left behind) if it cannot."""
        ...

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under a given key (restore); StorageFailure if it cannot."""
        ...

    def read(self, key: str) -> bytes:
        """The photo's bytes; PhotoMissing if absent, StorageFailure if unreachable."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the key is held; StorageFailure if that cannot be known now."""
        ...

    def delete(self, key: str) -> None:
        """Best effort, never raises: what cannot be removed now is left to the sweep."""
        ...

    def items(self) -> Iterator[StoredItem]:
        """Every entry held, with its age; StorageFailure if it cannot be listed."""
        ...

    def remove(self, item: StoredItem) -> None:
        """Remove one listed entry (the sweep), unfinished writes included."""
        ...

    def problem(self) -> str | None:
        """A short reason the store cannot take photos now, or None (readiness)."""
        ...

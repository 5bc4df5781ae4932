"""The photos as one uncompressed tar (photos are JPEGs: gzip would gain nothing).

Written after the database copy: a photo is stored before its row commits, so every photo
row in the copy has its photo in the tar (a photo without a row is harmless). The tar's
layout (`ab/<key>`) is the upload folder's, whichever store the photos come from, so a
backup of a folder restores into a bucket and the other way round.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from portal.backup.manifest import DamagedBackup
from portal.photo_store import PhotoMissing, PhotoStore, layout_name
from portal.photo_store.base import is_key


@dataclass(frozen=True)
class Packed:
    files: int
    bytes: int
    names: frozenset[str]


def pack(store: PhotoStore, tar_path) -> Packed:
    """Every complete photo of `store` into the tar at `tar_path` (StorageFailure if the
    store cannot be listed or read: no backup that silently lacks photos)."""
    files = 0
    total = 0
    names: set[str] = set()
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for item in sorted(store.items(), key=lambda i: i.name):
            if item.unfinished:  # a photo being written right now: no row points at it yet
                continue
            if not is_key(item.key) or item.name != layout_name(item.key):
                continue  # not a photo the portal wrote (restore would refuse its name)
            try:
                data = store.read(item.key)
            except PhotoMissing:  # deleted meanwhile (a failed upload cleaned up)
                continue
            info = tarfile.TarInfo(item.name)
            info.size = len(data)
            info.mtime = int(item.modified)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
            files += 1
            total += len(data)
            names.add(item.name)
    return Packed(files=files, bytes=total, names=frozenset(names))


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Every entry, if each is a regular file named exactly `ab/<key>` for a key new_key
    could draw: a crafted archive can name no other file or object (`../`, a dot file,
    `zz/index.html`, a key in another folder than its own)."""
    members = tar.getmembers()
    for member in members:
        key = PurePosixPath(member.name).name
        if not member.isfile() or not is_key(key) or member.name != layout_name(key):
            raise DamagedBackup(f"uploads.tar holds an unexpected entry {member.name!r}")
    return members


def check(tar_path) -> int:
    """DamagedBackup unless every entry of the tar is a photo `unpack` may write; run
    before the restore touches the database. Returns how many photos it holds."""
    try:
        with tarfile.open(tar_path, "r") as tar:
            return len(_safe_members(tar))
    except tarfile.TarError as exc:
        raise DamagedBackup(f"uploads.tar is not a readable tar ({exc})") from exc


def unpack(tar_path, store: PhotoStore) -> tuple[int, int]:
    """Put every photo of the tar into `store` (each write is atomic); returns (photos
    written, photos already there with the same content). StorageFailure if the store
    refuses one: the restore can be run again, and skips what is already there."""
    written = same = 0
    with tarfile.open(tar_path, "r") as tar:
        for member in _safe_members(tar):
            key = PurePosixPath(member.name).name
            source = tar.extractfile(member)
            assert source is not None
            data = source.read()
            try:
                if store.read(key) == data:
                    same += 1
                    continue
            except PhotoMissing:
                pass
            store.put(key, data)
            written += 1
    return written, same

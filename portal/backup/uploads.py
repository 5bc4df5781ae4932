"""The upload folder as one uncompressed tar (photos are JPEGs: gzip would gain nothing).

Written after the database copy: a photo's file is stored before its row commits, so
every photo row in the copy has its file in the tar (a file without a row is harmless).
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from portal.backup.manifest import DamagedBackup

_SKIPPED_SUFFIXES = (".part",)  # a photo being written right now: no row points at it yet


@dataclass(frozen=True)
class Packed:
    files: int
    bytes: int
    names: frozenset[str]


def pack(upload_folder: Path, tar_path: Path) -> Packed:
    files = 0
    total = 0
    names: set[str] = set()
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        if upload_folder.is_dir():
            for path in sorted(upload_folder.rglob("*")):
                if not path.is_file() or path.is_symlink() or path.suffix in _SKIPPED_SUFFIXES:
                    continue
                name = path.relative_to(upload_folder).as_posix()
                try:
                    tar.add(path, arcname=name, recursive=False)
                except FileNotFoundError:  # deleted meanwhile (a failed upload cleaned up)
                    continue
                files += 1
                total += path.stat().st_size if path.exists() else 0
                names.add(name)
    return Packed(files=files, bytes=total, names=frozenset(names))


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for member in members:
        parts = PurePosixPath(member.name).parts
        if not member.isfile() or member.name.startswith("/") or ".." in parts:
            raise DamagedBackup(f"uploads.tar holds an unexpected entry {member.name!r}")
    return members


def unpack(tar_path: Path, upload_folder: Path) -> tuple[int, int]:
    """Put every photo of the tar in place (each written aside, then renamed); returns
    (files written, files already there with the same content)."""
    written = same = 0
    upload_folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar_path, "r") as tar:
        for member in _safe_members(tar):
            dest = upload_folder / member.name
            source = tar.extractfile(member)
            assert source is not None
            data = source.read()
            if dest.is_file() and dest.read_bytes() == data:
                same += 1
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".restore-part")
            tmp.write_bytes(data)
            tmp.replace(dest)
            written += 1
    return written, same

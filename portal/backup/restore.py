"""Restoring one backup: check everything first, then the database, then the uploads.

Order matters: the manifest and every part's sha256 are checked, the engine and the
revision compared, and the target's cases counted (refused without confirmation) before a
single byte of the target changes. SQLite is restored page by page under the target's
lock; PostgreSQL by pg_restore in one transaction, so a failure leaves the target as it was.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from portal.backup import fingerprints, layout, manifest, postgres_db, sqlite_db, uploads
from portal.backup.contents import Contents, cases_in, read_contents
from portal.backup.create import engine_of
from portal.backup.manifest import DamagedBackup
from portal.photo_store import PhotoStore, StorageFailure

T = TypeVar("T")


class RestoreRefused(RuntimeError):
    """The restore would do harm (cases would be replaced, the code is too old, ...)."""


class PhotosNotWritten(RuntimeError):
    """The database is restored but the photos could not all be written."""


@dataclass(frozen=True)
class RestoreTarget:
    """Plain values from the app's config (cli.py builds it)."""

    database_url: str
    photos: PhotoStore
    routing_file: Path
    fingerprints: Mapping[str, Any]
    revisions: Sequence[str]  # the migrations this code knows, oldest first


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    contents: Contents
    photos_written: int
    photos_already_there: int
    photos_missing: int
    secrets: fingerprints.Comparison
    needs_upgrade: bool
    routing_note: str | None


@contextmanager
def opened(source: Path) -> Iterator[Path]:
    """The backup folder of `source`: the folder itself, or a .tar.gz unpacked aside."""
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise DamagedBackup(f"{source} does not exist")
    with tempfile.TemporaryDirectory(prefix="aduan-restore-") as tmp:
        try:
            with tarfile.open(source, "r:*") as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise DamagedBackup(f"{source} is not a readable backup archive ({exc})") from exc
        folders = [p for p in Path(tmp).iterdir() if p.is_dir()]
        if len(folders) != 1:
            raise DamagedBackup(f"{source} should hold one backup folder")
        yield folders[0]


def check(folder: Path, target: RestoreTarget) -> dict[str, Any]:
    """Everything that can refuse the restore, before anything is touched."""
    body = manifest.read(folder)
    manifest.verify_parts(folder, body)
    uploads.check(folder / layout.UPLOADS_PART)  # no photo key outside the store's own
    engine = engine_of(target.database_url)
    if body["engine"] != engine:
        raise RestoreRefused(
            f"this is a {body['engine']} backup and DATABASE_URL is {engine}: restore it "
            f"into a {body['engine']} database (moving between engines is not supported)"
        )
    revision = body.get("revision")
    if revision is not None and revision not in target.revisions:
        raise RestoreRefused(
            f"the backup's database is at migration {revision}, which this code does not "
            "know: it was made by a newer portal; update this checkout first"
        )
    return body


def restore_backup(source: Path, target: RestoreTarget, *, confirmed: bool) -> RestoreResult:
    with opened(source) as folder:
        body = check(folder, target)
        existing = _read_now(target.database_url, cases_in)
        if existing and not confirmed:
            raise RestoreRefused(
                f"the target database already holds {existing} case(s): restoring replaces "
                "ALL of them with the backup's. Nothing was changed. If that is what you "
                "want, run again with --yes"
            )
        part = folder / body["database_part"]
        if body["engine"] == "sqlite":
            sqlite_db.restore_into(part, sqlite_db.sqlite_path(target.database_url))
        else:
            postgres_db.restore(target.database_url, part)
        try:
            written, same = uploads.unpack(folder / layout.UPLOADS_PART, target.photos)
        except (OSError, StorageFailure) as exc:
            raise PhotosNotWritten(
                f"the database was restored, but writing the photos into "
                f"{target.photos.describe()} failed ({exc}); fix that (free space, "
                "permissions, the S3 server or bucket) and run the same restore again with --yes"
            ) from exc
        routing_note = _routing_file(folder, body, target.routing_file)
    contents = _read_now(target.database_url, read_contents)
    missing = sum(1 for key in contents.photo_keys if not target.photos.exists(key))
    head = target.revisions[-1] if target.revisions else None
    return RestoreResult(
        manifest=body,
        contents=contents,
        photos_written=written,
        photos_already_there=same,
        photos_missing=missing,
        secrets=fingerprints.compare(body["fingerprints"], target.fingerprints),
        needs_upgrade=contents.revision != head,
        routing_note=routing_note,
    )


def _routing_file(folder: Path, body: dict[str, Any], routing_file: Path) -> str | None:
    """The backup's routing file goes where ROUTING_FILE points if nothing is there; a
    different file already there is kept, with the backup's copy beside it."""
    if not body["routing_file"]["included"]:
        return None
    saved = folder / layout.ROUTING_PART
    if not routing_file.exists():
        routing_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, routing_file)
        return f"routing file restored to {routing_file}"
    if routing_file.read_bytes() == saved.read_bytes():
        return None
    aside = routing_file.with_name(routing_file.name + ".from-backup")
    shutil.copyfile(saved, aside)
    return (
        f"ROUTING_FILE {routing_file} differs from the backup's ({body['routing_file']['path']}); "
        f"kept it, and wrote the backup's copy to {aside} (the routing versions themselves "
        "are in the database)"
    )


def _read_now(database_url: str, read: Callable[[Connection], T]) -> T:
    """`read` on a connection of its own to the target (not the app's pool)."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return read(connection)
    finally:
        engine.dispose()

"""Writing one backup: database, uploads, routing file, manifest and secrets checklist.

Safe while the portal serves: the database copy is a snapshot (SQLite online backup,
pg_dump), the uploads are read after it, and the backup is written under a `.partial`
name and renamed only when complete, so a crash never leaves something that looks whole.
"""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal.backup import layout, manifest, postgres_db, sqlite_db, uploads
from portal.backup.checklist import checklist_text
from portal.backup.contents import Contents, read_contents
from portal.photo_store import PhotoStore, layout_name


@dataclass(frozen=True)
class BackupSettings:
    """Plain values from the app's config (cli.py builds it)."""

    database_url: str
    photos: PhotoStore
    upload_folder: Path | None  # the local store's folder; None with S3
    routing_file: Path
    default_routing_file: Path
    fingerprints: Mapping[str, Any]
    secret_key_file: str | None
    mail_password_set: bool
    national_token_set: bool
    app_version: str


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def backup_name(now: datetime) -> str:
    return layout.PREFIX + now.strftime("%Y%m%dT%H%M%SZ")


def engine_of(database_url: str) -> str:
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"backups know SQLite and PostgreSQL, not {backend}")
    return backend


def make_backup(
    settings: BackupSettings, output: Path, now: datetime, *, archive: bool = False
) -> BackupResult:
    folder = settings.upload_folder
    if folder is not None and output.resolve().is_relative_to(folder.resolve()):
        raise ValueError(
            f"{output} is inside UPLOAD_FOLDER ({settings.upload_folder}): every backup "
            "would hold the ones before it; write backups somewhere else"
        )
    output.mkdir(parents=True, exist_ok=True)
    name = backup_name(now)
    final = output / (name + (".tar.gz" if archive else ""))
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    work = output / (name + layout.PARTIAL_SUFFIX)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(mode=0o700)  # citizens' reports and contact details: the owner only
    try:
        body = _write_parts(settings, work, now)
        if archive:
            packed = output / (final.name + layout.PARTIAL_SUFFIX)
            # Level 1: the photos are JPEGs, which no level shrinks; the database still does.
            packed.unlink(missing_ok=True)
            packed.touch(mode=0o600)
            with tarfile.open(packed, "w:gz", compresslevel=1) as tar:
                tar.add(work, arcname=name)
            packed.replace(final)
            shutil.rmtree(work)
        else:
            work.replace(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        (output / (final.name + layout.PARTIAL_SUFFIX)).unlink(missing_ok=True)
        raise
    return BackupResult(path=final, manifest=body)


def _write_parts(settings: BackupSettings, work: Path, now: datetime) -> dict[str, Any]:
    engine = engine_of(settings.database_url)
    extra: dict[str, Any] = {}
    if engine == "sqlite":
        part = layout.SQLITE_PART
        sqlite_db.online_copy(sqlite_db.sqlite_path(settings.database_url), work / part)
        problem = sqlite_db.check_integrity(work / part)
        if problem != "ok":
            raise RuntimeError(f"the SQLite copy fails its integrity check: {problem}")
        copy = create_engine(f"sqlite:///{work / part}", poolclass=NullPool)
        try:
            with copy.connect() as connection:
                contents = read_contents(connection)
        finally:
            copy.dispose()
    else:
        part = layout.POSTGRES_PART
        contents, server = postgres_db.dump(settings.database_url, work / part, read_contents)
        extra["server_major"] = server
    packed = uploads.pack(settings.photos, work / layout.UPLOADS_PART)
    parts = [part, layout.UPLOADS_PART]

    routing: dict[str, Any] = {"path": str(settings.routing_file), "included": False}
    custom = settings.routing_file.resolve() != settings.default_routing_file.resolve()
    if custom and settings.routing_file.is_file():
        shutil.copyfile(settings.routing_file, work / layout.ROUTING_PART)
        parts.append(layout.ROUTING_PART)
        routing["included"] = True

    created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    (work / layout.CHECKLIST).write_text(
        checklist_text(
            created_at=created,
            fingerprints=settings.fingerprints,
            secret_key_file=settings.secret_key_file,
            mail_password_set=settings.mail_password_set,
            national_token_set=settings.national_token_set,
        ),
        encoding="utf-8",
    )
    parts.append(layout.CHECKLIST)
    body = {
        "format": layout.FORMAT,
        "created_at": created,
        "app_version": settings.app_version,
        "revision": contents.revision,
        "engine": engine,
        "database_part": part,
        "tables": contents.tables,
        "photos": _photos(contents, packed),
        "photo_store": settings.photos.describe(),
        "upload_folder": str(settings.upload_folder) if settings.upload_folder else None,
        "routing_file": routing,
        "fingerprints": dict(settings.fingerprints),
        "parts": {name: manifest.describe_part(work, name) for name in parts},
        **extra,
    }
    manifest.write(work, body)
    return body


def _photos(contents: Contents, packed: uploads.Packed) -> dict[str, int]:
    names = {layout_name(key) for key in contents.photo_keys}
    return {
        "rows": len(contents.photo_keys),
        "row_bytes": contents.photo_bytes,
        "files": packed.files,
        "file_bytes": packed.bytes,
        "rows_without_file": len(names - packed.names),
    }


def prune(output: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest complete backups in `output`; returns the deleted."""
    found = sorted(
        p
        for p in output.iterdir()
        if p.name.startswith(layout.PREFIX) and not p.name.endswith(layout.PARTIAL_SUFFIX)
    )
    doomed = found[:-keep] if keep > 0 else []
    for path in doomed:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return doomed

"""`flask --app wsgi photos ...`: moving photos from the upload folder into the bucket.

Run once when switching a portal from UPLOAD_STORAGE=local to s3 (docs/photo-storage.md):
every photo file of UPLOAD_FOLDER is put into S3_BUCKET under its own key, so the rows
keep pointing at it. Safe to run again (an object already there with the same bytes is
skipped) and while the portal serves; the folder is left as it was.
"""

from __future__ import annotations

import re

import click
from flask import current_app
from flask.cli import AppGroup

from portal.photo_store import LocalPhotoStore, PhotoMissing, StorageFailure, photo_store

photos_cli = AppGroup("photos", help="The photo store (UPLOAD_STORAGE).")

_KEY = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{1,5}$")  # what photo_store.new_key draws


@photos_cli.command("where")
def where_cmd() -> None:
    """Print which store this configuration uses, and whether it answers."""
    store = photo_store()
    problem = store.problem()
    click.echo(f"{store.describe()}: {'ok' if problem is None else problem}")
    if problem is not None:
        raise SystemExit(1)


@photos_cli.command("copy-to-s3")
@click.option("--dry-run", is_flag=True, help="Count what would be copied, copy nothing.")
def copy_to_s3_cmd(dry_run: bool) -> None:
    """Copy every photo of UPLOAD_FOLDER into the S3 bucket (needs UPLOAD_STORAGE=s3)."""
    target = photo_store()
    if target.kind != "s3":
        raise click.ClickException(
            "UPLOAD_STORAGE is local: set UPLOAD_STORAGE=s3 and the S3_* settings of the "
            "bucket first (the photos are copied from UPLOAD_FOLDER into it)"
        )
    source = LocalPhotoStore(str(current_app.config["UPLOAD_FOLDER"]))
    copied = same = 0
    try:
        for item in source.items():
            if item.unfinished or not _KEY.match(item.key):
                continue
            data = source.read(item.key)
            try:
                if target.read(item.key) == data:
                    same += 1
                    continue
            except PhotoMissing:
                pass
            if not dry_run:
                target.put(item.key, data)
            copied += 1
    except StorageFailure as exc:
        raise click.ClickException(
            f"stopped after {copied} photo(s): {target.describe()} refused ({exc}); "
            "run the same command again once it answers (copied ones are skipped)"
        ) from exc
    verb = "would copy" if dry_run else "copied"
    click.echo(
        f"{verb} {copied} photo(s) from {source.describe()} to {target.describe()}; "
        f"{same} already there"
    )

"""Where photos live: a local folder (one host) or an S3-compatible bucket (many hosts).

`init_photo_store(app)` builds the store UPLOAD_STORAGE names and keeps it in
app.extensions; `photo_store()` is how a view or command gets it, and services take the
store object itself (plain values, no current_app). Building it never touches the
network, so the app starts while S3 is down; the bucket is first asked when a photo is.
"""

from __future__ import annotations

from flask import Flask, current_app

from portal.photo_store.base import (
    PhotoMissing,
    PhotoStore,
    StorageFailure,
    StoredItem,
    layout_name,
    new_key,
)
from portal.photo_store.local import LocalPhotoStore

EXTENSION = "photo_store"

__all__ = [
    "LocalPhotoStore",
    "PhotoMissing",
    "PhotoStore",
    "StorageFailure",
    "StoredItem",
    "build_photo_store",
    "init_photo_store",
    "layout_name",
    "new_key",
    "photo_store",
]


def build_photo_store(config) -> PhotoStore:
    """The store the settings name (UPLOAD_STORAGE, UPLOAD_FOLDER, S3_*)."""
    if config.get("UPLOAD_STORAGE", "local") == "s3":
        from portal.photo_store.s3 import S3PhotoStore  # boto3 only where it is used

        return S3PhotoStore(
            bucket=config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            access_key=config.get("S3_ACCESS_KEY"),
            secret_key=config.get("S3_SECRET_KEY"),
            region=config.get("S3_REGION") or "us-east-1",
        )
    return LocalPhotoStore(str(config["UPLOAD_FOLDER"]))


def init_photo_store(app: Flask) -> None:
    """The store into app.extensions, and the `photos` commands (portal/photo_store/cli.py)."""
    from portal.photo_store.cli import photos_cli

    app.extensions[EXTENSION] = build_photo_store(app.config)
    app.cli.add_command(photos_cli)


def photo_store() -> PhotoStore:
    """The running app's photo store."""
    return current_app.extensions[EXTENSION]

"""Where photos live: a local folder (one host) or an S3-compatible bucket (many hosts)."""

from __future__ import annotations

from flask import Flask


def init_photo_store(app: Flask) -> None:
    """Filled in by the photo-store work (UPLOAD_STORAGE=local|s3)."""

"""The local photo folder's helpers, kept here for the modules and tests that import them.

The code lives in portal/photo_store/local.py; every photo user goes through the store of
portal/photo_store (local folder or S3 bucket).
"""

from __future__ import annotations

from portal.photo_store.base import StorageFailure, new_key
from portal.photo_store.local import PART, blob_path, delete_blob, save_blob

__all__ = ["PART", "StorageFailure", "blob_path", "delete_blob", "new_key", "save_blob"]

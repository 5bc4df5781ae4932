"""The names inside one backup folder, so writer and restorer agree on them."""

from __future__ import annotations

FORMAT = 1  # bump when the layout changes; a restore refuses a format it does not know
PREFIX = "aduan-backup-"
PARTIAL_SUFFIX = ".partial"  # a backup still being written (or one that crashed)
MANIFEST = "manifest.json"
CHECKLIST = "SECRETS-CHECKLIST.txt"
SQLITE_PART = "database.sqlite3"
POSTGRES_PART = "database.pgdump"
UPLOADS_PART = "uploads.tar"
ROUTING_PART = "routing_file.yaml"

# The tables whose row counts the manifest records and a restore prints.
MAIN_TABLES = (
    "complaints",
    "complaint_events",
    "complaint_photos",
    "users",
    "outbox_messages",
    "national_mirror_items",
    "abuse_entries",
    "routing_versions",
    "poster_batches",
)

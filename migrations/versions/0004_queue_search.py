"""queue: indexes for the status tabs, their counts, the open-case default view and search

The staff queue (portal/staff/queue.py) reads complaints four ways, each served by one
index range instead of a walk over a region's whole history:

- the default view, open cases of a region (or agency) nearest deadline first: partial
  indexes on (region_id | agency_id, due_key, id) holding open cases only. They stay small
  (a few percent of all cases) and tell the planner that walking them in order finds the
  next 50 rows at once, even when a text search also applies. The predicate must list
  exactly portal.complaints.status.OPEN, or queries will not use it;
- one status tab, and its count, per region or agency: (region_id | agency_id, status,
  due_key, id), read by the counts from the index alone (an index-only scan);
- the text search, ILIKE '%term%' over title, description and tracking code: pg_trgm GIN
  indexes, since a B-tree cannot serve a leading wildcard. PostgreSQL only (SQLite scans,
  fine at its scale). pg_trgm is a "trusted" extension since PostgreSQL 13: the database
  owner may create it without superuser rights.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN_CASES = sa.text("status IN ('new', 'verified', 'in_progress', 'on_hold', 'responded')")
OPEN_BY_DUE = {
    "ix_complaints_open_region_due": ["region_id", "due_key", "id"],
    "ix_complaints_open_agency_due": ["agency_id", "due_key", "id"],
}
STATUS_FIRST = {
    "ix_complaints_region_status_due": ["region_id", "status", "due_key", "id"],
    "ix_complaints_agency_status_due": ["agency_id", "status", "due_key", "id"],
}
TRIGRAM_INDEXES = {
    "ix_complaints_title_trgm": "title",
    "ix_complaints_description_trgm": "description",
    "ix_complaints_tracking_code_trgm": "tracking_code",
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    for name, columns in OPEN_BY_DUE.items():
        op.create_index(
            name, "complaints", columns, postgresql_where=OPEN_CASES, sqlite_where=OPEN_CASES
        )
    for name, columns in STATUS_FIRST.items():
        op.create_index(name, "complaints", columns)
    if not _postgresql():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The operator class lives in whatever schema the extension was installed into, which
    # need not be on this connection's search_path (e.g. a deployment in its own schema).
    schema = op.get_bind().execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    for name, column in TRIGRAM_INDEXES.items():
        op.create_index(
            name,
            "complaints",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: f"{schema}.gin_trgm_ops"},
        )


def downgrade():
    if _postgresql():
        for name in TRIGRAM_INDEXES:
            op.drop_index(name, table_name="complaints")
        # The extension stays: other objects may use it, and it costs nothing unused.
    for name in (*STATUS_FIRST, *OPEN_BY_DUE):
        op.drop_index(name, table_name="complaints")

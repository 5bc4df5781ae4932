"""Open311: API keys, the record of API POSTs, coordinates on reports

- `api_keys`: one per client application, stored as a SHA-256 of the key, scoped to
  regions, revocable (never deleted, so old reports keep the key's name);
- `api_posts`: every POST /open311/v2/requests with its key, outcome and token;
- `complaints.latitude` / `longitude` (WGS84, optional), `address_id` (the client's own
  address id, as sent) and `api_key_id` (the key a report was filed with).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

"""

import sqlalchemy as sa
from alembic import op

import portal.timeutil

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=12), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_email", sa.String(length=255), nullable=False),
        sa.Column("created_at", portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column("revoked_by_email", sa.String(length=255), nullable=True),
        sa.Column("last_used_at", portal.timeutil.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_table(
        "api_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("received_at", portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("service_code", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"]),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("api_posts", schema=None) as batch_op:
        batch_op.create_index("ix_api_posts_api_key_id", ["api_key_id"], unique=False)
        batch_op.create_index("ix_api_posts_complaint_id", ["complaint_id"], unique=False)
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("address_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("api_key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_complaints_api_key_id_api_keys", "api_keys", ["api_key_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_constraint("fk_complaints_api_key_id_api_keys", type_="foreignkey")
        batch_op.drop_column("api_key_id")
        batch_op.drop_column("address_id")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
    with op.batch_alter_table("api_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_api_posts_complaint_id")
        batch_op.drop_index("ix_api_posts_api_key_id")
    op.drop_table("api_posts")
    op.drop_table("api_keys")

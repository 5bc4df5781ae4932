"""national mirror: the SP4N-LAPOR! outbox, one row per mirrored case event

Rows are written in the same transaction as the case change. The worker reads due rows by
(status, next_attempt_at, id) and checks a case's earlier rows by (complaint_id, id); the
staff page and the export read a region's rows by (region_id, status, id).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "national_mirror_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.String(length=40), nullable=False),
        sa.Column("event_kind", sa.String(length=30), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("connector", sa.String(length=10), nullable=True),
        sa.Column("remote_ref", sa.String(length=100), nullable=True),
        sa.Column("export_batch", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_national_mirror_items_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_mirror_items")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_national_mirror_items_idempotency_key")
        ),
    )
    with op.batch_alter_table("national_mirror_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_national_mirror_items_status_next",
            ["status", "next_attempt_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_national_mirror_items_complaint", ["complaint_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_national_mirror_items_region_status",
            ["region_id", "status", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_national_mirror_items_export_batch", ["export_batch"], unique=False
        )


def downgrade():
    with op.batch_alter_table("national_mirror_items", schema=None) as batch_op:
        batch_op.drop_index("ix_national_mirror_items_export_batch")
        batch_op.drop_index("ix_national_mirror_items_region_status")
        batch_op.drop_index("ix_national_mirror_items_complaint")
        batch_op.drop_index("ix_national_mirror_items_status_next")
    op.drop_table("national_mirror_items")

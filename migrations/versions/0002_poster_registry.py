"""poster registry

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "poster_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("routing_version", sa.String(length=16), nullable=False),
        sa.Column("selection", sa.String(length=200), nullable=False),
        sa.Column("poster_count", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name="fk_poster_batches_created_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_poster_batches"),
    )
    op.create_table(
        "poster_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.String(length=40), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("service_id", sa.String(length=40), nullable=False),
        sa.Column("short_code", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["poster_batches.id"], name="fk_poster_items_batch_id_poster_batches"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_poster_items"),
    )
    with op.batch_alter_table("poster_items", schema=None) as batch_op:
        batch_op.create_index("ix_poster_items_batch_id", ["batch_id"], unique=False)
        batch_op.create_index("ix_poster_items_agency_unit", ["agency_id", "unit_id"], unique=False)
        batch_op.create_index("ix_poster_items_region_id", ["region_id"], unique=False)


def downgrade():
    with op.batch_alter_table("poster_items", schema=None) as batch_op:
        batch_op.drop_index("ix_poster_items_region_id")
        batch_op.drop_index("ix_poster_items_agency_unit")
        batch_op.drop_index("ix_poster_items_batch_id")
    op.drop_table("poster_items")
    op.drop_table("poster_batches")

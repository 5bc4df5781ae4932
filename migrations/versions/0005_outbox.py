"""outbox: e-mail rows written in the same transaction as the change that causes them

The worker reads pending rows by (status, next_attempt_at, id); the admin page lists dead
rows per region; dedupe_key is unique so a reminder or digest is queued once, ever.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("context_json", sa.Text(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.String(length=40), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_outbox_messages_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_messages_message_id")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_messages_dedupe_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_messages_status_next", ["status", "next_attempt_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_messages_region_status", ["region_id", "status"], unique=False
        )


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_region_status")
        batch_op.drop_index("ix_outbox_messages_status_next")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_complaint_id"))
    op.drop_table("outbox_messages")

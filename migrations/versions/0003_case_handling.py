"""case handling: clocks, holds, responses, ratings, duplicates, templates, login throttle

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("complaints", schema=None) as batch:
        batch.add_column(sa.Column("clocks_json", sa.Text(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("due_key", sa.Date(), nullable=False, server_default="9999-12-31")
        )
        batch.add_column(sa.Column("feedback_due", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("sla_state", sa.String(length=12), nullable=False, server_default="ok")
        )
        batch.add_column(sa.Column("hold_started_at", TS, nullable=True))
        batch.add_column(sa.Column("hold_return_status", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("verified_at", TS, nullable=True))
        batch.add_column(sa.Column("first_response_at", TS, nullable=True))
        batch.add_column(sa.Column("responded_at", TS, nullable=True))
        batch.add_column(sa.Column("closed_at", TS, nullable=True))
        batch.add_column(sa.Column("reject_reason", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("forwarded_to", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rating_comment", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_complaints_duplicate_of_id_complaints", "complaints", ["duplicate_of_id"], ["id"]
        )
        batch.create_index("ix_complaints_region_due", ["region_id", "due_key", "id"])
        batch.create_index("ix_complaints_agency_due", ["agency_id", "unit_id", "due_key", "id"])

    # Reports filed before this migration: the verification deadline is the one running.
    op.execute("UPDATE complaints SET due_key = verify_due WHERE status = 'new'")

    with op.batch_alter_table("complaint_events", schema=None) as batch:
        batch.add_column(sa.Column("from_status", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("to_status", sa.String(length=20), nullable=True))

    op.create_table(
        "response_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_templates")),
    )
    op.create_index(
        "ix_response_templates_agency_id", "response_templates", ["agency_id"], unique=False
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", TS, nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )


def downgrade():
    op.drop_table("login_throttle")
    op.drop_index("ix_response_templates_agency_id", table_name="response_templates")
    op.drop_table("response_templates")
    with op.batch_alter_table("complaint_events", schema=None) as batch:
        batch.drop_column("to_status")
        batch.drop_column("from_status")
    with op.batch_alter_table("complaints", schema=None) as batch:
        batch.drop_index("ix_complaints_agency_due")
        batch.drop_index("ix_complaints_region_due")
        batch.drop_constraint("fk_complaints_duplicate_of_id_complaints", type_="foreignkey")
        for column in (
            "rating_comment",
            "rating",
            "duplicate_of_id",
            "forwarded_to",
            "reject_reason",
            "closed_at",
            "responded_at",
            "first_response_at",
            "verified_at",
            "hold_return_status",
            "hold_started_at",
            "sla_state",
            "feedback_due",
            "due_key",
            "clocks_json",
        ):
            batch.drop_column(column)

"""dashboard statistics: per-case speed figures and the monthly recap

The leaders' dashboard (portal/dashboard/) sums `stats_monthly` rows instead of scanning a
region's whole history; `stats_dirty_months` marks the months a change touched, so the next
read recomputes only those. Existing cases get their figures from
`flask --app wsgi stats rebuild` (README, "Dasbor pimpinan"), which needs the routing
file's calendars and so cannot run inside a migration.

On PostgreSQL the (region_id, submitted_at) index of complaints becomes a covering index
(INCLUDE the columns the recap sums), so recomputing a month of a busy region reads the
index alone (about 60,000 cases in 30 ms instead of 300 ms of heap reads). The model
declares the INCLUDE too; Alembic's autogenerate does not compare INCLUDE columns (nor
0004's partial-index predicates), tests/functional/test_schema.py does.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


RECAP_COLUMNS = [
    "agency_id",
    "unit_id",
    "classification",
    "category",
    "confidential",
    "status",
    "first_response_days",
    "first_response_on_time",
    "completion_days",
    "rating",
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("hold_days", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("first_response_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("first_response_on_time", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("completion_days", sa.Integer(), nullable=True))
    op.create_table(
        "stats_dirty_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_dirty_months")),
    )
    op.create_index(op.f("ix_stats_dirty_months_region_id"), "stats_dirty_months", ["region_id"])
    op.create_table(
        "stats_monthly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("answered_on_time", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("response_hist", sa.Text(), nullable=False),
        sa.Column("completion_hist", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_monthly")),
    )
    op.create_index(
        "ix_stats_monthly_region_month",
        "stats_monthly",
        ["region_id", "dimension", "month", "agency_id"],
    )
    if _postgresql():
        op.drop_index("ix_complaints_region_submitted", table_name="complaints")
        op.create_index(
            "ix_complaints_region_submitted",
            "complaints",
            ["region_id", "submitted_at"],
            postgresql_include=RECAP_COLUMNS,
        )


def downgrade():
    if _postgresql():
        op.drop_index("ix_complaints_region_submitted", table_name="complaints")
        op.create_index(
            "ix_complaints_region_submitted", "complaints", ["region_id", "submitted_at"]
        )
    op.drop_index("ix_stats_monthly_region_month", table_name="stats_monthly")
    op.drop_table("stats_monthly")
    op.drop_index(op.f("ix_stats_dirty_months_region_id"), table_name="stats_dirty_months")
    op.drop_table("stats_dirty_months")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("completion_days")
        batch.drop_column("first_response_on_time")
        batch.drop_column("first_response_days")
        batch.drop_column("hold_days")

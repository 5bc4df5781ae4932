"""case flow: people who hold cases, transfers between regions, hold reminders

- `complaints.assigned_user_id` / `assigned_at`: the officer who holds the case (NULL:
  the unit as a whole, shown as "unassigned" in the queue);
- `complaints.transferred_from` / `transferred_at`: the region a case came from when an
  admin transferred it to another region of this portal (NULL: never transferred), so the
  receiving region can send it back and the tracking page can say where it went;
- `complaints.hold_reminded_at`: when the citizen was reminded halfway through a hold, so
  the tick reminds once per hold;
- an index on `complaints.duplicate_of_id`, for the original's count of duplicates.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

import portal.timeutil

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("assigned_at", portal.timeutil.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("transferred_from", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("transferred_at", portal.timeutil.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("hold_reminded_at", portal.timeutil.UTCDateTime(), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_complaints_assigned_user_id_users", "users", ["assigned_user_id"], ["id"]
        )
        batch_op.create_index(
            "ix_complaints_assigned_user_id", ["assigned_user_id"], unique=False
        )
        batch_op.create_index("ix_complaints_duplicate_of_id", ["duplicate_of_id"], unique=False)


def downgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_duplicate_of_id")
        batch_op.drop_index("ix_complaints_assigned_user_id")
        batch_op.drop_constraint("fk_complaints_assigned_user_id_users", type_="foreignkey")
        batch_op.drop_column("hold_reminded_at")
        batch_op.drop_column("transferred_at")
        batch_op.drop_column("transferred_from")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_user_id")

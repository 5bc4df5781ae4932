"""session generation: a counter on every account that ends all its earlier sessions

Each session carries the account's generation from the moment it signed in; sign-out,
a password change, disabling or enabling the account and "sign out everywhere" add one,
so every cookie issued before (copied or not) stops working. Existing accounts start at 0.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")

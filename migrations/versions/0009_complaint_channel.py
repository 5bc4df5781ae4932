"""complaint channel: the door a report came through (web, counter, api, whatsapp, sms)

Every report so far came through the web form, so existing rows get `web`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=12), nullable=False, server_default="web")
        )


def downgrade():
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("channel")

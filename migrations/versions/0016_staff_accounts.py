"""Staff accounts in the web: invitations, password resets, TOTP, notices, the audit trail

- `users`: language, notice kinds turned off, invitation and password dates, last sign-in,
  the sealed TOTP secret with its confirmation and last accepted step;
- `account_tokens`: single-use invitation and reset links (a nonce and the SHA-256 of
  the link's token, which is an HMAC of the nonce under SECRET_KEY);
- `recovery_codes`: one-time codes for a lost authenticator (SHA-256 only);
- `audit_log`: who did what, when, from where; append-only by trigger on both databases.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

"""

import sqlalchemy as sa
from alembic import op

import portal.timeutil
from portal.audit import append_only

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(5), nullable=False, server_default="id"))
        batch_op.add_column(sa.Column("notices_off", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("invited_at", portal.timeutil.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("invited_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("password_set_at", portal.timeutil.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_sign_in_at", portal.timeutil.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_secret", sa.String(200), nullable=True))
        batch_op.add_column(
            sa.Column("totp_confirmed_at", portal.timeutil.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))

    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column("expires_at", portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column("used_at", portal.timeutil.UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_account_tokens_user_id", "account_tokens", ["user_id"])

    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column("used_at", portal.timeutil.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", portal.timeutil.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(254), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=True),
        sa.Column("target_id", sa.String(40), nullable=True),
        sa.Column("target_label", sa.String(254), nullable=True),
        sa.Column("region_id", sa.String(40), nullable=True),
        sa.Column("agency_id", sa.String(40), nullable=True),
        sa.Column("unit_id", sa.String(40), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_region_at", "audit_log", ["region_id", "at"])
    dialect = op.get_bind().dialect.name
    for statement in append_only.create_statements(dialect):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in append_only.drop_statements(dialect):
        op.execute(statement)
    op.drop_table("audit_log")
    op.drop_table("recovery_codes")
    op.drop_table("account_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        for column in (
            "totp_last_step",
            "totp_confirmed_at",
            "totp_secret",
            "last_sign_in_at",
            "password_set_at",
            "invited_by_id",
            "invited_at",
            "notices_off",
            "locale",
        ):
            batch_op.drop_column(column)

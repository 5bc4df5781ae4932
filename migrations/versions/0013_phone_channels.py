"""phone channels: WhatsApp and SMS out (phone_messages) and in (chat_* tables)

- `phone_messages`: the outbox of WhatsApp and SMS messages to citizens (the delivery
  columns every outbox table has, plus the provider's reference and delivery report);
- `chat_conversations`, `chat_inbound`, `chat_draft_photos`: one conversation per number
  and medium, each inbound message's provider id (stored once), photos waiting for a report;
- `complaints.reporter_msisdn`: the reporter's phone in one canonical form (62… digits),
  filled here for existing rows, so a chat message finds its sender's cases;
- `complaints.notify_via`: how the citizen is told; `email` for existing rows with an
  e-mail address (what they got so far), NULL for the rest.

The number's canonical form is copied here, not imported, so later code changes cannot
change what this migration did.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

"""

import re

import sqlalchemy as sa
from alembic import op

import portal.timeutil

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _msisdn(text):
    digits = re.sub(r"\D", "", text or "")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8") and 9 <= len(digits) <= 12:
        digits = "62" + digits
    return digits if 6 <= len(digits) <= 16 else None


def _backfill():
    bind = op.get_bind()
    complaints = sa.table(
        "complaints",
        sa.column("id", sa.Integer),
        sa.column("reporter_phone", sa.String),
        sa.column("reporter_email", sa.String),
        sa.column("reporter_msisdn", sa.String),
        sa.column("notify_via", sa.String),
    )
    rows = bind.execute(
        sa.select(complaints.c.id, complaints.c.reporter_phone).where(
            complaints.c.reporter_phone.is_not(None)
        )
    ).all()
    for row_id, phone in rows:
        number = _msisdn(phone)
        if number:
            bind.execute(
                complaints.update().where(complaints.c.id == row_id).values(reporter_msisdn=number)
            )
    bind.execute(
        complaints.update()
        .where(complaints.c.reporter_email.is_not(None), complaints.c.reporter_email != "")
        .values(notify_via="email")
    )


def upgrade():
    op.create_table(
        "chat_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medium", sa.String(length=10), nullable=False),
        sa.Column("msisdn", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("data_json", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("started_at", portal.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", portal.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_inbound_at", portal.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_conversations")),
        sa.UniqueConstraint("medium", "msisdn", name="uq_chat_conversations_number"),
    )
    op.create_table(
        "chat_draft_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["chat_conversations.id"],
            name=op.f("fk_chat_draft_photos_conversation_id_chat_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_draft_photos")),
    )
    with op.batch_alter_table("chat_draft_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_draft_photos_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "chat_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medium", sa.String(length=10), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=False),
        sa.Column("msisdn", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("received_at", portal.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_chat_inbound_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_inbound")),
        sa.UniqueConstraint("medium", "provider_id", name="uq_chat_inbound_provider_id"),
    )
    with op.batch_alter_table("chat_inbound", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_inbound_number_time", ["msisdn", "received_at"], unique=False
        )

    op.create_table(
        "phone_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medium", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("context_json", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.String(length=40), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("remote_ref", sa.String(length=128), nullable=True),
        sa.Column("delivery_status", sa.String(length=12), nullable=True),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("delivery_updated_at", portal.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("parts_sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("connector", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", portal.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("locked_until", portal.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", portal.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", portal.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_phone_messages_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_phone_messages_dedupe_key")),
    )
    with op.batch_alter_table("phone_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phone_messages_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index("ix_phone_messages_recipient", ["recipient", "id"], unique=False)
        batch_op.create_index(
            "ix_phone_messages_region_status", ["region_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_phone_messages_remote_ref", ["medium", "remote_ref"], unique=False
        )
        batch_op.create_index(
            "ix_phone_messages_status_next", ["status", "next_attempt_at", "id"], unique=False
        )

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reporter_msisdn", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("notify_via", sa.String(length=10), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_complaints_reporter_msisdn"), ["reporter_msisdn"], unique=False
        )

    _backfill()


def downgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_reporter_msisdn"))
        batch_op.drop_column("notify_via")
        batch_op.drop_column("reporter_msisdn")

    with op.batch_alter_table("phone_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_messages_status_next")
        batch_op.drop_index("ix_phone_messages_remote_ref")
        batch_op.drop_index("ix_phone_messages_region_status")
        batch_op.drop_index("ix_phone_messages_recipient")
        batch_op.drop_index(batch_op.f("ix_phone_messages_complaint_id"))

    op.drop_table("phone_messages")
    with op.batch_alter_table("chat_inbound", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_inbound_number_time")

    op.drop_table("chat_inbound")
    with op.batch_alter_table("chat_draft_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_draft_photos_conversation_id"))

    op.drop_table("chat_draft_photos")
    op.drop_table("chat_conversations")

"""submission key digest: the form's one-time key leaves the database; old links keep working

Until now `complaints.submission_key` held each form's raw one-time key, and the private
link's token was HMAC(SECRET_KEY, "access-token:" + raw key); the table kept only
SHA-256(token) in `access_token_hash`. From now on:

- `submission_digest` = HMAC-SHA256(key derived from SECRET_KEY, raw key) replaces the raw
  key (unique, so a double submit is still caught at insert time);
- `content_digest` = HMAC of the report's normalised content: a replay gets the first
  receipt only when key AND content match (NULL here for existing rows: a replay against a
  report stored before this upgrade is answered as a conflict, never with its link);
- the token of a new report is HMAC(SECRET_KEY, "access-token:" + submission digest), so
  an e-mail rendered later builds the link from the stored digest.

For every existing row this migration computes the digest from the raw key, moves the old
`access_token_hash` (the hash of the token already e-mailed to the citizen) to
`legacy_token_hash`, and stores in `access_token_hash` the hash of the new token derived
from the digest. So the links already sent keep opening the case (legacy hash), and links
in e-mails rendered after the upgrade (new token) open it too. Then the raw key column is
dropped: no column holds a raw key afterwards.

Run it with the production SECRET_KEY (the one the app uses): the digests and the new
tokens are keyed with it. It needs the app (`flask --app wsgi db upgrade`) and cannot be
written as offline SQL (`--sql`). The formulas are copied here, not imported, so later code
changes cannot change what this migration did.

Downgrade puts the digest back into `submission_key`; the code of 0009 derives the token
from that column, which then gives the new tokens, so links rendered after this upgrade keep
working; links e-mailed before it stop working after a downgrade (their raw keys are gone).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

"""

import base64
import hashlib
import hmac

import sqlalchemy as sa
from alembic import context, op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _secret() -> str:
    if context.is_offline_mode():
        raise RuntimeError("migration 0012 computes digests with SECRET_KEY; run it online")
    from flask import current_app

    return current_app.config["SECRET_KEY"]


def _digest(secret: str, raw_key: str) -> str:
    derived = hmac.new(
        secret.encode(), b"aduan-derived-key:submission-key", hashlib.sha256
    ).digest()
    return hmac.new(derived, raw_key.encode(), hashlib.sha256).hexdigest()


def _token_hash(secret: str, digest: str) -> str:
    mac = hmac.new(secret.encode(), b"access-token:" + digest.encode(), hashlib.sha256)
    token = base64.urlsafe_b64encode(mac.digest()[:18]).decode().rstrip("=")
    return hashlib.sha256(token.encode()).hexdigest()


complaints = sa.table(
    "complaints",
    sa.column("id", sa.Integer),
    sa.column("submission_key", sa.String),
    sa.column("submission_digest", sa.String),
    sa.column("access_token_hash", sa.String),
    sa.column("legacy_token_hash", sa.String),
)


def upgrade():
    secret = _secret()
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("legacy_token_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("submission_digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("content_digest", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(complaints.c.id, complaints.c.submission_key, complaints.c.access_token_hash)
    ).all()
    for row in rows:
        digest = _digest(secret, row.submission_key)
        bind.execute(
            complaints.update()
            .where(complaints.c.id == row.id)
            .values(
                submission_digest=digest,
                legacy_token_hash=row.access_token_hash,
                access_token_hash=_token_hash(secret, digest),
            )
        )
    with op.batch_alter_table("complaints") as batch:
        batch.drop_constraint("uq_complaints_submission_key", type_="unique")
        batch.drop_column("submission_key")
        batch.alter_column("submission_digest", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_complaints_submission_digest", ["submission_digest"])


def downgrade():
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))
    op.execute(complaints.update().values(submission_key=complaints.c.submission_digest))
    with op.batch_alter_table("complaints") as batch:
        batch.drop_constraint("uq_complaints_submission_digest", type_="unique")
        batch.drop_column("content_digest")
        batch.drop_column("submission_digest")
        batch.drop_column("legacy_token_hash")
        batch.alter_column("submission_key", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_complaints_submission_key", ["submission_key"])

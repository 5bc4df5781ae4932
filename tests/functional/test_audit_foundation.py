"""The audit trail is append-only in the database itself, and sign-ins are recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from portal.accounts import tokens
from portal.accounts.services import create_user
from portal.audit import actions
from portal.audit.models import AuditEntry
from portal.audit.record import Actor, record
from portal.extensions import db
from portal.timeutil import utcnow

PASSWORD = "kata-sandi-uji-123"


def _entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())


def test_the_database_refuses_to_change_or_remove_an_entry(app):
    record(actions.SIGN_OUT, Actor(email="a@example.org"), target_label="x")
    db.session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(update(AuditEntry).values(actor_email="someone-else@example.org"))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(delete(AuditEntry))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE audit_log SET action = 'nothing'"))
    db.session.rollback()
    assert [e.actor_email for e in _entries()] == ["a@example.org"]


def test_sign_ins_are_recorded_with_who_and_where(app, router, client, h):
    user = create_user(
        router,
        email="admin.kalsel@example.org",
        password=PASSWORD,
        role="regional-admin",
        region="kalsel",
    )
    assert h.login(client, "ADMIN.kalsel@example.org", "wrong-password-123").status_code == 401
    assert h.login(client, "nobody@example.org", "wrong-password-123").status_code == 401
    assert h.login(client, "admin.kalsel@example.org", PASSWORD).status_code == 302
    found = [(e.action, e.target_label, e.region_id, e.actor_id, e.address) for e in _entries()]
    assert found == [
        (actions.SIGN_IN_FAILED, "admin.kalsel@example.org", "kalsel", None, "127.0.0.1"),
        (actions.SIGN_IN_FAILED, "nobody@example.org", None, None, "127.0.0.1"),
        (actions.SIGN_IN, "admin.kalsel@example.org", "kalsel", user.id, "127.0.0.1"),
    ]
    db.session.refresh(user)
    assert user.last_sign_in_at is not None


def test_an_account_link_is_single_use_and_a_newer_one_replaces_it(app, router):
    user = create_user(router, email="o@example.org", password=PASSWORD, role="super-admin")
    key = app.config["SECRET_KEY"]
    first = tokens.issue(user, tokens.INVITE, timedelta(hours=1), key)
    second = tokens.issue(user, tokens.INVITE, timedelta(hours=1), key)
    db.session.commit()
    assert tokens.link_token(second.row, key) == second.token
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.check(first.token, tokens.INVITE)
    assert refused.value.reason == "used"
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.check(second.token, tokens.RESET)  # another purpose's link
    assert refused.value.reason == "unknown"
    assert tokens.use(second.token, tokens.INVITE).id == user.id
    db.session.commit()
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.use(second.token, tokens.INVITE)
    assert refused.value.reason == "used"
    late = tokens.issue(user, tokens.RESET, timedelta(minutes=5), key)
    db.session.commit()
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.check(late.token, tokens.RESET, now=utcnow() + timedelta(minutes=6))
    assert refused.value.reason == "expired"
    stored = db.session.execute(text("SELECT nonce, token_hash FROM account_tokens")).all()
    assert all(late.token not in (nonce, digest) for nonce, digest in stored)

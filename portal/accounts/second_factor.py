"""The second factor's life outside the sign-in itself: taking it away when a phone is lost."""

from __future__ import annotations

from sqlalchemy import delete

from portal.accounts.models import RecoveryCode, User
from portal.accounts.services import end_sessions
from portal.extensions import db


def remove(user: User) -> None:
    """Forget the authenticator and the recovery codes, and end every session (the caller
    records and commits). The next sign-in asks for a password only, or, for an admin who
    must have one, for a new authenticator before anything else."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)

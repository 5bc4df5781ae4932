"""The actions the audit trail records (pure: names only; the page translates them).

One name per kind of sensitive act. A new kind of act gets a name here, a label in
portal/audit/labels.py and a test that it is written.
"""

from __future__ import annotations

SIGN_IN = "sign_in.ok"
SIGN_IN_FAILED = "sign_in.failed"  # wrong e-mail or password, or a disabled account
SIGN_IN_LOCKED = "sign_in.locked"  # the failure that started a lock (not each refusal after)
SECOND_FACTOR_FAILED = "sign_in.code_failed"  # a wrong or reused TOTP or recovery code
SIGN_OUT = "sign_out"

PASSWORD_CHANGED = "password.changed"  # by the person, with the current password
PASSWORD_SET = "password.set"  # by the operator (`users set-password`)
RESET_REQUESTED = "password.reset_requested"  # only for an existing, active account
PASSWORD_RESET = "password.reset"  # a reset link used

ACCOUNT_CREATED = "account.created"  # `users create` (with a password)
ACCOUNT_INVITED = "account.invited"
INVITATION_RESENT = "account.invitation_resent"
INVITATION_ACCEPTED = "account.invitation_accepted"
ACCOUNT_CHANGED = "account.changed"  # role or scope
ACCOUNT_DISABLED = "account.disabled"
ACCOUNT_ENABLED = "account.enabled"
SIGNED_OUT_EVERYWHERE = "account.signed_out_everywhere"
PREFERENCES_CHANGED = "account.preferences_changed"  # language, notices

TWO_FACTOR_ENABLED = "two_factor.enabled"
TWO_FACTOR_DISABLED = "two_factor.disabled"  # by the person
TWO_FACTOR_RESET = "two_factor.reset"  # by an admin, for a lost phone
RECOVERY_CODE_USED = "two_factor.recovery_used"
RECOVERY_CODES_RENEWED = "two_factor.recovery_renewed"

ROUTING_ACTIVATED = "routing.activated"
ROUTING_ROLLED_BACK = "routing.rolled_back"
BULK_ACTION = "cases.bulk"
API_KEY_CREATED = "api_key.created"
API_KEY_REVOKED = "api_key.revoked"
ABUSE_ADDED = "abuse.added"
ABUSE_REMOVED = "abuse.removed"
AUDIT_EXPORTED = "audit.exported"

# What a target of each kind is called in target_kind.
USER = "user"
ROUTING = "routing"
CASES = "cases"
API_KEY = "api_key"
ABUSE = "abuse"
AUDIT = "audit"

"""Short fingerprints of the secrets, so a restore can tell whether they changed.

A fingerprint is an HMAC of a fixed label under the secret, cut to 16 hex characters: it
names the key without revealing it (nobody can go back from it to the secret, and with a
key of 32+ random characters no one can guess the key from it either). Pure: no Flask.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

_LABEL = b"aduan-langsung/backup-fingerprint/v1"
LENGTH = 16


def fingerprint(secret: str | bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()[:LENGTH]


def of_secrets(secret_key: str, qr_keys: Mapping[str, bytes], qr_active: str) -> dict:
    """What the manifest keeps of SECRET_KEY and QR_SIGNING_KEYS."""
    return {
        "secret_key": fingerprint(secret_key),
        "qr_signing_keys": {kid: fingerprint(secret) for kid, secret in sorted(qr_keys.items())},
        "qr_active": qr_active,
    }


@dataclass(frozen=True)
class Comparison:
    """How the running secrets compare with the backup's."""

    secret_key_same: bool
    qr_missing: tuple[str, ...]  # key ids of the backup absent here
    qr_changed: tuple[str, ...]  # key ids here under a different secret

    @property
    def qr_same(self) -> bool:
        return not self.qr_missing and not self.qr_changed


def compare(backup: Mapping, running: Mapping) -> Comparison:
    """Every key of the backup must still be here with the same secret; new QR keys are fine."""
    old_qr = backup.get("qr_signing_keys", {})
    new_qr = running.get("qr_signing_keys", {})
    missing = tuple(kid for kid in sorted(old_qr) if kid not in new_qr)
    changed = tuple(kid for kid in sorted(old_qr) if kid in new_qr and new_qr[kid] != old_qr[kid])
    same = hmac.compare_digest(backup.get("secret_key", ""), running.get("secret_key", ""))
    return Comparison(secret_key_same=same, qr_missing=missing, qr_changed=changed)

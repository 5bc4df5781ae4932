"""What a reader of the audit trail sees: a label per action, the action groups the page
filters by, and a readable line for an entry's target and detail (page and CSV alike).

The entries store plain words (portal/audit/actions.py, detail keys); they are translated
only here, when read, so an entry written in one language reads in the reader's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.audit import actions as a
from portal.audit.models import AuditEntry

ACTION_LABELS = {
    a.SIGN_IN: _l("Masuk"),
    a.SIGN_IN_FAILED: _l("Gagal masuk"),
    a.SIGN_IN_LOCKED: _l("Masuk dikunci sementara"),
    a.SECOND_FACTOR_FAILED: _l("Kode verifikasi dua langkah salah"),
    a.SIGN_OUT: _l("Keluar"),
    a.PASSWORD_CHANGED: _l("Kata sandi diganti sendiri"),
    a.PASSWORD_SET: _l("Kata sandi ditetapkan operator"),
    a.RESET_REQUESTED: _l("Tautan atur ulang sandi diminta"),
    a.PASSWORD_RESET: _l("Kata sandi diatur ulang lewat tautan"),
    a.ACCOUNT_CREATED: _l("Akun dibuat"),
    a.ACCOUNT_INVITED: _l("Akun diundang"),
    a.INVITATION_RESENT: _l("Undangan dikirim ulang"),
    a.INVITATION_ACCEPTED: _l("Undangan diterima"),
    a.ACCOUNT_CHANGED: _l("Peran atau cakupan akun diubah"),
    a.ACCOUNT_DISABLED: _l("Akun dinonaktifkan"),
    a.ACCOUNT_ENABLED: _l("Akun diaktifkan kembali"),
    a.SIGNED_OUT_EVERYWHERE: _l("Dikeluarkan dari semua perangkat"),
    a.PREFERENCES_CHANGED: _l("Preferensi akun diubah"),
    a.TWO_FACTOR_ENABLED: _l("Verifikasi dua langkah diaktifkan"),
    a.TWO_FACTOR_DISABLED: _l("Verifikasi dua langkah dimatikan"),
    a.TWO_FACTOR_RESET: _l("Verifikasi dua langkah direset admin"),
    a.RECOVERY_CODE_USED: _l("Kode pemulihan dipakai"),
    a.RECOVERY_CODES_RENEWED: _l("Kode pemulihan dibuat ulang"),
    a.ROUTING_ACTIVATED: _l("Versi aturan rute diaktifkan"),
    a.ROUTING_ROLLED_BACK: _l("Aturan rute dipulihkan ke versi lama"),
    a.BULK_ACTION: _l("Tindakan massal pada laporan"),
    a.API_KEY_CREATED: _l("Kunci API dibuat"),
    a.API_KEY_REVOKED: _l("Kunci API dicabut"),
    a.ABUSE_ADDED: _l("Ditambahkan ke daftar blokir"),
    a.ABUSE_REMOVED: _l("Dihapus dari daftar blokir"),
    a.AUDIT_EXPORTED: _l("Jejak audit diekspor (CSV)"),
}

# The page's "Jenis" filter: group -> (label, action-name prefixes). By prefix, so an
# action added later to actions.py falls into its group without a change here.
GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "masuk": (_l("Masuk dan keluar"), ("sign_in.", "sign_out")),
    "akun": (_l("Akun dan kata sandi"), ("account.", "password.")),
    "dua-langkah": (_l("Verifikasi dua langkah"), ("two_factor.",)),
    "rute": (_l("Aturan rute"), ("routing.",)),
    "kasus": (_l("Tindakan massal pada laporan"), ("cases.",)),
    "kunci-api": (_l("Kunci API"), ("api_key.",)),
    "blokir": (_l("Daftar blokir"), ("abuse.",)),
    "ekspor": (_l("Ekspor jejak audit"), ("audit.",)),
}

DETAIL_LABELS = {
    "role": _l("Peran"),
    "region": _l("Wilayah"),
    "regions": _l("Wilayah"),
    "agency": _l("Instansi"),
    "unit": _l("Unit"),
    "scope": _l("Cakupan"),
    "locale": _l("Bahasa"),
    "notices_off": _l("Pemberitahuan dimatikan"),
    "reason": _l("Alasan"),
    "version": _l("Versi"),
    "parent": _l("Versi sebelumnya"),
    "restored_from": _l("Salinan dari versi"),
    "source": _l("Sumber"),
    "part": _l("Bagian"),
    "hash": _l("Sidik"),
    "comment": _l("Catatan"),
    "note": _l("Catatan"),
    "move": _l("Tindakan"),
    "count": _l("Jumlah"),
    "codes": _l("Kode laporan"),
    "codes_more": _l("Kode lain (tidak dicatat)"),
    "refused": _l("Ditolak"),
    "target": _l("Unit tujuan"),
    "assignee": _l("Petugas (id)"),
    "duplicate_of": _l("Duplikat dari"),
    "name": _l("Nama"),
    "contact": _l("Kontak"),
    "kind": _l("Jenis"),
    "action": _l("Tindakan"),
    "filters": _l("Filter"),
    "rows": _l("Baris"),
    "jenis": _l("Jenis"),
    "orang": _l("Orang"),
    "daerah": _l("Wilayah"),
    "from": _l("Dari tanggal"),
    "to": _l("Sampai tanggal"),
    "expires_at": _l("Tautan berlaku sampai"),
}

# Keys whose value is a moment (ISO 8601, UTC): shown on the reader's clock, in words.
MOMENTS = frozenset({"expires_at"})

TARGET_KINDS = {
    a.USER: _l("Akun"),
    a.ROUTING: _l("Aturan rute"),
    a.CASES: _l("Laporan"),
    a.API_KEY: _l("Kunci API"),
    a.ABUSE: _l("Daftar blokir"),
    a.AUDIT: _l("Jejak audit"),
}

ABUSE_KINDS = {
    "phone": _l("Nomor telepon"),
    "email": _l("Alamat surel"),
    "address": _l("Alamat IP pengirim"),
}
VALUE_WORDS = {
    "refuse": _l("Tolak"),
    "quarantine": _l("Karantina"),
}


def action_label(action: str) -> str:
    """The label, or the stored name itself for an action this list does not know yet."""
    return str(ACTION_LABELS.get(action, action))


def group_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, (label, _prefixes) in GROUPS.items()]


def group_prefixes(group: str) -> tuple[str, ...]:
    return GROUPS[group][1]


def who(entry: AuditEntry) -> str:
    """The account's e-mail, "baris perintah (cli:…)" for the shell, or "tidak dikenal"."""
    email = entry.actor_email
    # Only an entry with no account is the shell's: an account's address cannot pass for it.
    if email and entry.actor_id is None and email.startswith("cli:"):
        return _("baris perintah (%(who)s)", who=email)
    return email or _("tidak dikenal")


def target(entry: AuditEntry) -> str:
    """What the act was done to, as a reader recognises it."""
    label = entry.target_label or ""
    if entry.target_kind == a.ROUTING:
        return _("versi %(number)s", number=entry.target_id or label)
    if entry.target_kind == a.ABUSE:
        kind = str(ABUSE_KINDS.get(label, label))
        return f"{kind} #{entry.target_id}" if entry.target_id else kind
    if entry.target_kind == a.AUDIT:
        return str(TARGET_KINDS[a.AUDIT])
    return label


Words = Mapping[str, Mapping[str, Any]]
When = Callable[[datetime], str]


def detail(
    entry: AuditEntry, words: Words | None = None, when: When | None = None
) -> list[tuple[str, str]]:
    """The detail as (label, text) pairs, in the order they were stored (sorted keys).

    Handed in by the page, since they belong to packages that sit above this one: `words`
    names stored values by key (a role's label for "unit-officer"), `when` shows a moment
    (an invitation's expiry) on the reader's clock. Without them a value reads as stored."""
    try:
        values = json.loads(entry.detail_json or "{}")
    except ValueError:
        return [("", entry.detail_json)]
    shown = _Shown(words or {}, when)
    if not isinstance(values, dict):
        return [("", shown.text(values))]
    return [(str(DETAIL_LABELS.get(k, k)), shown.text(v, k)) for k, v in values.items()]


def detail_line(entry: AuditEntry, words: Words | None = None, when: When | None = None) -> str:
    """The detail on one line, for the CSV: "Peran: a → b; Wilayah: kalsel"."""
    return "; ".join(f"{k}: {v}" if k else v for k, v in detail(entry, words, when))


# Keys whose list is a collection; any other two-item list is a change: [before, after]
# (and so is a pair of collections: notices turned off, before and after).
COLLECTIONS = frozenset({"codes", "regions", "notices_off"})


class _Shown:
    """Stored values as a reader reads them, with one set of words and one clock."""

    def __init__(self, words: Words, when: When | None):
        self.words, self.when = words, when

    def text(self, value: Any, key: str = "") -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("ya") if value else _("tidak")
        if isinstance(value, list):
            if key == "regions" and not value:
                return _("semua wilayah")
            pair = len(value) == 2 and (
                key not in COLLECTIONS or all(isinstance(v, list) for v in value)
            )
            if pair:
                return f"{self.text(value[0], key)} → {self.text(value[1], key)}"
            return ", ".join(self.text(v, key) for v in value) if value else "—"
        if isinstance(value, dict):
            if not value:
                return "—"
            return ", ".join(
                f"{DETAIL_LABELS.get(k, k)}: {self.text(v, k)}" for k, v in value.items()
            )
        if isinstance(value, str):
            return self._word(value, key)
        return str(value)

    def _word(self, value: str, key: str) -> str:
        if key in MOMENTS and self.when is not None:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            return self.when(moment)
        named = self.words.get(key, {}).get(value)
        if named is not None:
            return _(named) if isinstance(named, str) else str(named)
        return str(VALUE_WORDS.get(value, value))

"""The e-mail notices a staff member may turn off on their account page (pure).

Keys are the e-mail templates that go to staff accounts. A notice always reaches the
routing file's contacts (a desk's shared address has no account to turn it off), and an
account turning everything off still gets its own account e-mails (invitation, reset).
"""

from __future__ import annotations

from collections.abc import Iterable


def N_(message: str) -> str:
    """Marks a label for `make extract-messages`; it is translated where it is shown."""
    return message


# Template name -> the Indonesian label (translated where it is shown).
KINDS: dict[str, str] = {
    "new_case": N_("Laporan baru di wilayah saya (untuk admin)"),
    "reminder": N_("Pengingat batas waktu"),
    "escalation": N_("Eskalasi laporan yang terlambat"),
    "digest": N_("Ringkasan harian laporan terlambat (untuk pimpinan)"),
    "case_moved": N_("Laporan dipindahkan ke atau dari unit saya"),
    "disposed": N_("Laporan baru didisposisikan ke unit saya"),
}


# Kinds that only reach some roles (the others never get them, so they are not offered).
ONLY_FOR: dict[str, tuple[str, ...]] = {
    "new_case": ("super-admin", "regional-admin"),
    "digest": ("leader",),
}


def kinds_for(role: str) -> dict[str, str]:
    """The kinds an account of this role receives at all, in KINDS order."""
    return {k: label for k, label in KINDS.items() if role in ONLY_FOR.get(k, (role,))}


def parse(stored: str | None) -> frozenset[str]:
    """The kinds turned off, from the users.notices_off column (unknown names ignored)."""
    return frozenset(k for k in (stored or "").split(",") if k in KINDS)


def store(off: Iterable[str]) -> str:
    """The column value for these kinds turned off, in KINDS order (stable diffs)."""
    wanted = set(off)
    return ",".join(k for k in KINDS if k in wanted)


def wants(user, template: str) -> bool:
    """Whether this account gets a notice written with this template."""
    if user is None or template not in KINDS:
        return True
    return template not in parse(getattr(user, "notices_off", ""))

"""Case statuses, named as staff know them from SP4N-LAPOR!."""

from flask_babel import lazy_gettext as _l

NEW = "new"
VERIFIED = "verified"
IN_PROGRESS = "in_progress"
RESPONDED = "responded"
ON_HOLD = "on_hold"
CLOSED = "closed"
ARCHIVED = "archived"

LABELS = {
    NEW: _l("Belum terverifikasi"),
    VERIFIED: _l("Terverifikasi / terdisposisi"),
    IN_PROGRESS: _l("Sedang diproses"),
    RESPONDED: _l("Sudah ditanggapi"),
    ON_HOLD: _l("Tertunda"),
    CLOSED: _l("Selesai"),
    ARCHIVED: _l("Arsip"),
}

CLASSIFICATION_LABELS = {
    "complaint": _l("Pengaduan"),
    "aspiration": _l("Aspirasi"),
    "information": _l("Permintaan Informasi"),
}

EVENT_LABELS = {
    "submitted": _l("Laporan diterima dan masuk antrean daerah"),
}


def label(status: str) -> str:
    return str(LABELS.get(status, status))


def classification_label(value: str) -> str:
    return str(CLASSIFICATION_LABELS.get(value, value))


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


def template_helpers() -> dict:
    return {
        "status_label": label,
        "classification_label": classification_label,
        "event_label": event_label,
    }

"""Labels people read: statuses (as staff know them from SP4N-LAPOR!), kinds, channels
and timeline events, in the reader's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.complaints.channels import API, COUNTER, PHONE, SMS, WEB, WHATSAPP
from portal.complaints.status import (
    ARCHIVED,
    CLOSED,
    FORWARDED,
    IN_PROGRESS,
    NEW,
    ON_HOLD,
    QUARANTINED,
    RESPONDED,
    VERIFIED,
)

LABELS = {
    NEW: _l("Belum terverifikasi"),
    VERIFIED: _l("Terverifikasi / terdisposisi"),
    IN_PROGRESS: _l("Sedang diproses"),
    RESPONDED: _l("Sudah ditanggapi"),
    ON_HOLD: _l("Tertunda"),
    CLOSED: _l("Selesai"),
    ARCHIVED: _l("Arsip"),
    FORWARDED: _l("Diteruskan"),
    QUARANTINED: _l("Karantina"),
}
# What the public and the citizen read for a status: a quarantined report looks like any
# report waiting for verification, so its sender learns nothing of the abuse list.
PUBLIC_STATUS = {QUARANTINED: NEW}

CLASSIFICATION_LABELS = {
    "complaint": _l("Pengaduan"),
    "aspiration": _l("Aspirasi"),
    "information": _l("Permintaan Informasi"),
}

CHANNEL_LABELS = {
    WEB: _l("Formulir web"),
    COUNTER: _l("Loket (dicatat petugas)"),
    PHONE: _l("Telepon (dicatat petugas)"),
    API: _l("API (Open311)"),
    WHATSAPP: _l("WhatsApp"),
    SMS: _l("SMS"),
}

EVENT_LABELS = {
    "submitted": _l("Laporan diterima dan masuk antrean daerah"),
    "verify": _l("Laporan diverifikasi dan didisposisikan"),
    "redispose": _l("Laporan didisposisikan ulang"),
    "start": _l("Laporan mulai diproses"),
    "hold": _l("Petugas meminta keterangan tambahan"),
    "answer": _l("Pelapor memberi keterangan tambahan"),
    "respond": _l("Tanggapan petugas"),
    "reply": _l("Balasan pelapor"),
    "message": _l("Pesan pelapor"),
    "rate": _l("Pelapor memberi penilaian"),
    "reopen": _l("Pelapor membuka kembali laporan"),
    "close": _l("Laporan selesai"),
    "auto_close": _l("Laporan selesai otomatis setelah batas waktu tanggapan pelapor"),
    "reject_spam": _l("Laporan diarsipkan (bukan laporan yang dapat ditindaklanjuti)"),
    "reject_duplicate": _l("Laporan diarsipkan sebagai duplikat"),
    "forward": _l("Laporan diteruskan ke instansi yang berwenang"),
    "transfer": _l("Laporan diteruskan ke daerah yang berwenang"),
    "send_back": _l("Laporan dikembalikan ke daerah asal"),
    "note": _l("Catatan internal"),
    "release": _l("Laporan dilepas dari karantina"),
    "overdue": _l("Melewati batas waktu"),
    "take": _l("Petugas mengambil laporan untuk ditangani"),
    "assign": _l("Laporan diserahkan kepada petugas"),
    "resume": _l("Penanganan dilanjutkan oleh petugas"),
    "hold_reminder": _l("Pengingat pertanyaan dikirim ke pelapor"),
    "hold_timeout": _l("Batas waktu jawaban pelapor habis"),
}

# Why a case ended without the usual course (complaints.reject_reason).
REJECT_REASON_LABELS = {
    "spam": _l("Bukan laporan yang dapat ditindaklanjuti"),
    "duplicate": _l("Duplikat laporan lain"),
    "not-authority": _l("Bukan kewenangan daerah ini"),
    "no-answer": _l("Tidak ada jawaban pelapor atas pertanyaan petugas"),
}


# The messages to the citizen listed on the staff case page: by which channel, what they
# were (the e-mail template or the phone message's kind) and what became of them.
MESSAGE_CHANNEL_LABELS = {
    "email": _l("E-mail"),
    WHATSAPP: _l("WhatsApp"),
    SMS: _l("SMS"),
}
MESSAGE_KIND_LABELS = {
    "receipt": _l("Tanda terima laporan"),
    "verified": _l("Laporan diverifikasi"),
    "on_hold": _l("Pertanyaan petugas"),
    "responded": _l("Tanggapan petugas"),
    "closed": _l("Laporan selesai"),
    "chat": _l("Jawaban percakapan"),
    "archived_spam": _l("Laporan diarsipkan"),
    "archived_duplicate": _l("Laporan diarsipkan sebagai duplikat"),
    "forwarded": _l("Diteruskan ke SP4N-LAPOR!"),
    "transferred": _l("Diteruskan ke daerah lain"),
    "sent_back": _l("Dikembalikan ke daerah asal"),
    "duplicate_progress": _l("Tanggapan atas laporan asli (duplikat)"),
    "hold_reminder": _l("Pengingat pertanyaan petugas"),
    "resumed": _l("Penanganan dilanjutkan"),
    "hold_expired": _l("Penanganan dilanjutkan tanpa jawaban"),
    "closed_no_answer": _l("Laporan ditutup tanpa jawaban"),
    "private_link": _l("Tautan pribadi (Kirim tautan ini ke saya)"),
}
DELIVERY_STATE_LABELS = {
    "waiting": _l("menunggu"),
    "sent": _l("terkirim"),
    "delivered": _l("diterima"),
    "read": _l("dibaca"),
    "failed": _l("gagal"),
    "not_sent": _l("tidak dikirim (tidak diperlukan lagi)"),
}


def label(status: str) -> str:
    return str(LABELS.get(status, status))


def public_label(status: str) -> str:
    """The status as the citizen's own pages show it."""
    return label(PUBLIC_STATUS.get(status, status))


def classification_label(value: str) -> str:
    return str(CLASSIFICATION_LABELS.get(value, value))


def channel_label(value: str) -> str:
    return str(CHANNEL_LABELS.get(value, value))


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


def message_channel_label(value: str) -> str:
    return str(MESSAGE_CHANNEL_LABELS.get(value, value))


def reject_reason_label(value: str) -> str:
    return str(REJECT_REASON_LABELS.get(value, value))


def message_kind_label(value: str) -> str:
    return str(MESSAGE_KIND_LABELS.get(value, value))


def delivery_state_label(key: str, reason: str | None = None) -> str:
    """ "menunggu", "terkirim", … or "gagal: <reason>" in the reader's language."""
    word = str(DELIVERY_STATE_LABELS.get(key, key))
    if reason and key == "failed":
        return _("gagal: %(reason)s", reason=reason)
    if reason and key == "waiting":
        return _("menunggu (dicoba lagi; terakhir: %(reason)s)", reason=reason)
    return word


def template_helpers() -> dict:
    return {
        "status_label": label,
        "public_status_label": public_label,
        "classification_label": classification_label,
        "channel_label": channel_label,
        "event_label": event_label,
        "message_channel_label": message_channel_label,
        "message_kind_label": message_kind_label,
        "reject_reason_label": reject_reason_label,
        "delivery_state_label": delivery_state_label,
    }

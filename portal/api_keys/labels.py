"""What staff read for the outcome of an Open311 POST (ApiPost.outcome), in their language."""

from flask_babel import lazy_gettext as _l

OUTCOME_LABELS = {
    "created": _l("Laporan dibuat"),
    "replay": _l("Kiriman ulang (laporan yang sama)"),
    "invalid": _l("Isian tidak sah"),
    "refused": _l("Ditolak (daftar blokir)"),
    "forbidden": _l("Kunci atau wilayah tidak diizinkan"),
    "rate-limited": _l("Melebihi batas kiriman"),
    "media": _l("Foto (media_url) tidak dapat diambil"),
    "error": _l("Galat server"),
}


def outcome_label(outcome: str) -> str:
    """The label, or the stored word itself for an outcome this list does not know yet."""
    return str(OUTCOME_LABELS.get(outcome, outcome))

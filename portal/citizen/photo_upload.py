"""Turn the form's file inputs into checked photos, or explain on the form what is wrong.

Every header is read before any photo is decoded, so a refused request (a bad file, or
photos that together exceed PHOTO_REQUEST_PIXELS) costs no decoding at all.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from forms.complaint import ComplaintForm
from portal.complaints.photos import (
    PhotoRejected,
    Probe,
    ProcessedPhoto,
    check_request,
    probe_photo,
)


def _megapixels(pixels: int) -> str:
    return format_decimal(pixels / 1_000_000, format="#,##0.0")


def _megabytes(size: int) -> str:
    return format_decimal(size / 2**20, format="#,##0.0")


def _message(exc: PhotoRejected, filename: str, max_mb: int) -> str:
    """What went wrong and what to do about it, in the reader's language."""
    name = filename
    match exc.reason:
        case "too-large":
            return _(
                "%(name)s terlalu besar (maksimal %(mb)s MB). Kirim foto yang lebih kecil, "
                "misalnya dengan memilih ukuran sedang saat berbagi.",
                name=name,
                mb=max_mb,
            )
        case "too-many-pixels":
            return _(
                "%(name)s beresolusi terlalu besar (paling banyak %(max)s megapiksel). "
                "Kecilkan fotonya atau kirim tangkapan layarnya.",
                name=name,
                max=_megapixels(exc.limit or current_app.config["PHOTO_MAX_PIXELS"]),
            )
        case "request-too-many-pixels":
            return _(
                "Foto-foto ini bersama-sama terlalu besar untuk satu laporan "
                "(%(total)s megapiksel, paling banyak %(max)s). Kirim lebih sedikit foto "
                "atau foto yang lebih kecil; laporan Anda masih tersimpan di formulir ini.",
                total=_megapixels(exc.pixels),
                max=_megapixels(exc.limit),
            )
        case "request-heif-too-large":
            return _(
                "Foto HEIC ini bersama-sama terlalu besar untuk satu laporan (%(mb)s MB, "
                "paling banyak %(max)s MB). Kirim lebih sedikit foto, atau simpan sebagai "
                "JPEG (di iPhone: ubah pengaturan kamera ke 'Paling kompatibel').",
                mb=_megabytes(exc.pixels),
                max=_megabytes(exc.limit),
            )
        case "unsupported-format" if exc.format == "AVIF":
            return _(
                "%(name)s berformat AVIF, yang belum dapat kami terima. Simpan sebagai JPEG "
                "(di galeri: Bagikan atau Ekspor sebagai JPEG), lalu pilih lagi.",
                name=name,
            )
        case "unsupported-format":
            return _(
                "%(name)s berformat %(format)s. Kami menerima foto JPEG, PNG, WebP atau HEIC: "
                "simpan sebagai JPEG, lalu pilih lagi.",
                name=name,
                format=exc.format,
            )
        case "heif-unreadable":
            return _(
                "%(name)s adalah foto HEIC/HEIF yang tidak dapat kami buka. Simpan sebagai "
                "JPEG, atau di iPhone ubah pengaturan kamera ke 'Paling kompatibel' "
                "(Pengaturan > Kamera > Format), lalu kirim lagi.",
                name=name,
            )
        case "corrupt":
            return _(
                "%(name)s rusak atau tidak lengkap (mungkin terpotong saat diunggah). "
                "Pilih foto itu lagi, atau simpan ulang sebagai JPEG.",
                name=name,
            )
    return _(
        "%(name)s bukan berkas gambar yang dapat dibaca. Pilih foto JPEG, PNG, WebP atau HEIC.",
        name=name,
    )


def process_uploads(form: ComplaintForm) -> list[ProcessedPhoto] | None:
    """None when any photo is refused: then nothing is stored and the form says why."""
    config = current_app.config
    max_bytes = config["PHOTO_MAX_BYTES"]
    max_mb = max_bytes // 2**20
    probes: list[tuple[str, Probe]] = []
    errors: list[str] = []
    for upload in form.chosen_photos():
        name = (upload.filename or "foto")[:60]
        raw = upload.stream.read(max_bytes + 1)
        try:
            probe = probe_photo(raw, max_bytes=max_bytes, max_pixels=config["PHOTO_MAX_PIXELS"])
        except PhotoRejected as exc:
            errors.append(_message(exc, name, max_mb))
        else:
            probes.append((name, probe))
    if not errors:
        try:
            check_request(
                [p for _n, p in probes],
                request_pixels=config["PHOTO_REQUEST_PIXELS"],
                request_heif_bytes=config["PHOTO_REQUEST_HEIF_BYTES"],
            )
        except PhotoRejected as exc:
            errors.append(_message(exc, "", max_mb))
    photos: list[ProcessedPhoto] = []
    if not errors:
        for name, probe in probes:
            try:
                photos.append(probe.decode())
            except PhotoRejected as exc:
                errors.append(_message(exc, name, max_mb))
    if errors:
        form.photos.errors = [*form.photos.errors, *errors]
        return None
    return photos

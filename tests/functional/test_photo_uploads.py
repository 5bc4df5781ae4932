"""Photos through the real report form: phone formats accepted, metadata gone from the stored
file, fakes and over-budget requests refused with a clear message, nothing stored, the typed
report kept."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.complaints.models import Complaint, Photo
from portal.complaints.storage import blob_path
from portal.extensions import db
from tests import photo_samples as samples

TITLE = "Kursi ruang tunggu patah semua"


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


def blobs(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()}


@pytest.fixture
def files_before(app) -> set[Path]:
    """The upload folder is shared by the session's tests: what was there before this one."""
    return blobs(app)


def post(client, h, payload, *files):
    uploads = [(io.BytesIO(data), name, "application/octet-stream") for name, data in files]
    return h.post_report(client, f"/q/{payload}", files=uploads, title=TITLE)


def stored_photos(app) -> list[tuple[Photo, bytes]]:
    photos = db.session.execute(select(Photo)).scalars().all()
    return [(p, blob_path(app.config["UPLOAD_FOLDER"], p.storage_key).read_bytes()) for p in photos]


def assert_refused_and_kept(response, app, files_before, *phrases):
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    for phrase in phrases:
        assert phrase in text, phrase
    # The typed report comes back filled; nothing stored, not even a stray file.
    assert TITLE in text and "Saya menunggu tiga jam di loket pendaftaran" in text
    assert "Foto perlu dipilih ulang" in text
    assert stored() == 0
    assert blobs(app) == files_before


def test_phone_photos_of_every_kind_are_stored_clean(client, h, app, ulin_payload):
    response = post(
        client,
        h,
        ulin_payload,
        ("metadata.jpg", samples.jpeg_with_every_metadata(size=(80, 60), orientation=6)),
        ("galaxy.jpg", samples.ultra_hdr()),
        ("iphone.HEIC", samples.heic(exif=samples.exif())),
    )
    h.receipt(response)
    photos = stored_photos(app)
    assert len(photos) == 3
    sizes = sorted((p.width, p.height) for p, _data in photos)
    assert sizes == [(60, 80), (80, 60), (80, 60)]  # the EXIF rotation applied
    for photo, data in photos:
        samples.assert_clean_jpeg(data)
        assert photo.content_type == "image/jpeg"
        assert Image.open(io.BytesIO(data)).size == (photo.width, photo.height)


def test_mpo_through_the_form_keeps_the_first_frame(client, h, app, ulin_payload):
    h.receipt(post(client, h, ulin_payload, ("3d.jpg", samples.mpo())))
    [(photo, data)] = stored_photos(app)
    assert (photo.width, photo.height) == (80, 60)
    samples.assert_clean_jpeg(data)
    red, green, _blue = Image.open(io.BytesIO(data)).getpixel((40, 30))
    assert red > 180 and green < 60  # the red primary, not the green second image


@pytest.mark.parametrize(
    ("name", "data", "phrase"),
    [
        ("kosong.jpg", b"", "kosong.jpg bukan berkas gambar yang dapat dibaca"),
        ("surat.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "surat.jpg bukan berkas gambar"),
        ("hal.jpg", b"<!doctype html><script>alert(1)</script>", "hal.jpg bukan berkas gambar"),
        (
            "poly.jpg",
            b"<html>" + samples.encode(Image.new("RGB", (8, 8)), "JPEG") + b"</html>",
            "poly.jpg bukan berkas gambar",
        ),
        (
            "putus.jpg",
            samples.encode(Image.new("RGB", (64, 64)), "JPEG")[:200],
            "putus.jpg rusak atau tidak lengkap",
        ),
        ("bom.png", samples.png_bomb(), "bom.png beresolusi terlalu besar"),
        (
            "rusak.heic",
            samples.heic()[:300],
            "ubah pengaturan kamera ke 'Paling kompatibel'",
        ),
    ],
)
def test_fake_or_broken_files_are_refused(
    client, h, app, ulin_payload, files_before, name, data, phrase
):
    good = samples.encode(Image.new("RGB", (20, 20)), "JPEG")
    response = post(client, h, ulin_payload, ("baik.jpg", good), (name, data))
    assert_refused_and_kept(response, app, files_before, phrase)


def test_avif_gets_told_to_save_as_jpeg(client, h, app, ulin_payload, files_before):
    if "AVIF" not in Image.SAVE:
        pytest.fail("this Pillow cannot write AVIF; the AVIF refusal cannot be tested")
    avif = samples.encode(Image.new("RGB", (16, 16)), "AVIF")
    response = post(client, h, ulin_payload, ("foto.avif", avif))
    assert_refused_and_kept(
        response, app, files_before, "foto.avif berformat AVIF", "Simpan sebagai JPEG"
    )


PNG_300x200 = samples.encode(Image.new("RGB", (300, 200), samples.RED), "PNG")


def test_photos_within_the_request_pixel_budget(client, h, app, ulin_payload):
    app.config["PHOTO_REQUEST_PIXELS"] = 2 * 300 * 200
    try:
        response = post(client, h, ulin_payload, ("a.png", PNG_300x200), ("b.png", PNG_300x200))
    finally:
        app.config["PHOTO_REQUEST_PIXELS"] = 40_000_000
    h.receipt(response)
    assert len(stored_photos(app)) == 2


def test_photos_over_the_request_pixel_budget(client, h, app, ulin_payload, files_before):
    app.config["PHOTO_REQUEST_PIXELS"] = 2 * 300 * 200
    try:
        response = post(client, h, ulin_payload, *[(f"{n}.png", PNG_300x200) for n in "abc"])
    finally:
        app.config["PHOTO_REQUEST_PIXELS"] = 40_000_000
    assert_refused_and_kept(
        response,
        app,
        files_before,
        "bersama-sama terlalu besar untuk satu laporan",
        "(0,2 megapiksel, paling banyak 0,1)",
    )


def test_heic_over_the_request_byte_budget(client, h, app, ulin_payload, files_before):
    heic = samples.heic()
    app.config["PHOTO_REQUEST_HEIF_BYTES"] = 2 * len(heic)
    try:
        response = post(client, h, ulin_payload, *[(f"{i}.heic", heic) for i in range(3)])
    finally:
        app.config["PHOTO_REQUEST_HEIF_BYTES"] = 8 * 1024 * 1024
    assert_refused_and_kept(
        response, app, files_before, "Foto HEIC ini bersama-sama terlalu besar", "Paling kompatibel"
    )


def test_refusal_is_in_english_too(client, h, app, ulin_payload):
    client.get("/bahasa/en")
    gif = samples.encode(Image.new("P", (4, 4)), "GIF")
    response = post(client, h, ulin_payload, ("x.gif", gif))
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "x.gif is a GIF file" in text and "save it as JPEG" in text
    assert stored() == 0


def test_the_photo_picker_offers_heic_as_the_hint_promises(client, ulin_payload):
    """A phone's file picker greys out what `accept` leaves out: HEIC, which we decode,
    must be offered, or an iPhone or Samsung owner cannot choose their own photo."""
    page = client.get(f"/q/{ulin_payload}").get_data(as_text=True)
    field = page[page.index('id="photos"') :].split(">", 1)[0]
    for kind in ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", ".heic"):
        assert kind in field
    assert "HEIC" in page

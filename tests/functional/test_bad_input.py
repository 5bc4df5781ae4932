"""Every bad input gets a clear answer and stores nothing."""

from __future__ import annotations

import io
import struct
import zlib

from sqlalchemy import func, select

from portal.complaints.models import Complaint, Photo
from portal.extensions import db
from qr.payload import ServiceRef, SigningKeys, encode


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


def test_edited_payload_is_refused(client, ulin_payload):
    # Point the signed code at another unit of the same hospital by editing one ID.
    edited = ulin_payload.replace("POLI-UMUM", "POLI-ANAK", 1)
    assert edited != ulin_payload
    page = client.get(f"/q/{edited}")
    assert page.status_code == 400
    assert "Kode QR ini tidak sah" in page.get_data(as_text=True)
    # Posting to it stores nothing either.
    assert client.post(f"/q/{edited}", data={"title": "x"}).status_code == 400
    assert stored() == 0


def test_forged_payload_with_unknown_key_is_refused(client):
    forger = SigningKeys.parse("T9:attacker-chosen-secret-123456")
    forged = encode(ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), forger)
    page = client.get(f"/q/{forged}")
    assert page.status_code == 400
    assert "tidak sah" in page.get_data(as_text=True)


def test_garbage_payload_is_refused(client):
    for junk in ("hello", "A.B.C", "RSUD-ULIN.POLI-UMUM.PENDAFTARAN.T2.AAAAAAAAAAAAAAAA"):
        assert client.get(f"/q/{junk}").status_code == 400


def test_old_key_still_accepted_after_rotation(client, qr_keys):
    old = SigningKeys(keys=dict(qr_keys.keys), active="T1")
    payload = encode(ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), old)
    assert client.get(f"/q/{payload}").status_code == 200


def test_payload_for_a_unit_that_no_longer_exists(client, qr_keys):
    payload = encode(ServiceRef("rsud-ulin", "poli-lama-ditutup", "pendaftaran"), qr_keys)
    page = client.get(f"/q/{payload}")
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "tidak lagi terdaftar" in text and 'href="/"' in text


def test_missing_csrf_token_stores_nothing(client, h, ulin_payload):
    hidden = h.open_form(client, f"/q/{ulin_payload}")
    del hidden["csrf_token"]
    response = h.post_report(client, f"/q/{ulin_payload}", hidden=hidden)
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert stored() == 0


def test_empty_and_oversized_fields(client, h, ulin_payload):
    url = f"/q/{ulin_payload}"
    empty = h.post_report(client, url, title="", description="", consent=None)
    text = empty.get_data(as_text=True)
    assert empty.status_code == 400
    assert "Judul wajib diisi" in text and "Isi laporan wajib diisi" in text
    assert "Centang persetujuan" in text
    long = h.post_report(client, url, title="x" * 151, description="y" * 5001)
    text = long.get_data(as_text=True)
    assert long.status_code == 400
    assert "5 sampai 150 karakter" in text and "20 sampai 5000 karakter" in text
    # What the citizen typed is still in the form.
    assert "x" * 151 in text
    assert stored() == 0


def test_bad_email_and_phone(client, h, ulin_payload):
    response = h.post_report(
        client, f"/q/{ulin_payload}", reporter_email="not-an-email", reporter_phone="call me"
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Alamat e-mail tidak valid" in text and "Nomor HP tidak valid" in text
    assert stored() == 0


def test_file_that_is_not_an_image(client, h, ulin_payload):
    fake = (io.BytesIO(b"%PDF-1.4 not a photo at all"), "foto.jpg", "image/jpeg")
    response = h.post_report(client, f"/q/{ulin_payload}", files=[fake])
    assert response.status_code == 400
    assert "bukan berkas gambar" in response.get_data(as_text=True)
    assert stored() == 0


def test_image_bomb_is_refused_without_decoding(client, h, ulin_payload):
    response = h.post_report(
        client, f"/q/{ulin_payload}", files=[(io.BytesIO(png_bomb()), "bomb.png", "image/png")]
    )
    assert response.status_code == 400
    assert "resolusi terlalu besar" in response.get_data(as_text=True)
    assert stored() == 0


def test_unsupported_image_format(client, h, ulin_payload):
    gif = h.image_bytes("GIF")
    response = h.post_report(
        client, f"/q/{ulin_payload}", files=[(io.BytesIO(gif), "a.gif", "image/gif")]
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "a.gif berformat GIF" in text and "simpan sebagai JPEG" in text
    assert stored() == 0


def test_more_than_three_photos(client, h, ulin_payload):
    files = [(io.BytesIO(h.image_bytes()), f"f{i}.jpg", "image/jpeg") for i in range(4)]
    response = h.post_report(client, f"/q/{ulin_payload}", files=files)
    assert response.status_code == 400
    assert "Paling banyak 3 foto" in response.get_data(as_text=True)
    assert stored() == 0


def test_oversized_photo(client, h, app, ulin_payload):
    import os

    from PIL import Image

    noise = io.BytesIO()
    Image.frombytes("RGB", (120, 120), os.urandom(120 * 120 * 3)).save(noise, format="PNG")
    assert len(noise.getvalue()) > 20_000
    app.config["PHOTO_MAX_BYTES"] = 20_000
    try:
        response = h.post_report(
            client,
            f"/q/{ulin_payload}",
            files=[(io.BytesIO(noise.getvalue()), "big.png", "image/png")],
        )
    finally:
        app.config["PHOTO_MAX_BYTES"] = 8 * 1024 * 1024
    assert response.status_code == 400
    assert "terlalu besar" in response.get_data(as_text=True)
    assert stored() == 0


def test_request_over_the_size_limit(client, app, ulin_payload):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = client.post(
            f"/q/{ulin_payload}",
            data={"photos": (io.BytesIO(b"\0" * 20_000), "x.jpg")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 26 * 1024 * 1024
    assert response.status_code == 413
    assert "Kiriman terlalu besar" in response.get_data(as_text=True)
    assert stored() == 0


def test_double_submit_creates_one_complaint(client, h, ulin_payload):
    url = f"/q/{ulin_payload}"
    hidden = h.open_form(client, url)
    first = h.receipt(h.post_report(client, url, hidden=hidden))
    second = h.receipt(h.post_report(client, url, hidden=hidden))
    assert first == second  # same tracking code, same private link
    assert stored() == 1


def test_photos_are_reencoded_without_exif(client, h, app, ulin_payload):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "S", 2: (3.0, 19.0, 0.0), 3: "E", 4: (114.0, 35.0, 0.0)}  # GPS
    jpeg = h.image_bytes("JPEG", size=(80, 60), exif=exif.tobytes())
    assert b"PhoneMaker" in jpeg
    response = h.post_report(
        client, f"/q/{ulin_payload}", files=[(io.BytesIO(jpeg), "kursi.jpg", "image/jpeg")]
    )
    h.receipt(response)
    photo = db.session.execute(select(Photo)).scalar_one()
    from portal.complaints.storage import blob_path

    data = blob_path(app.config["UPLOAD_FOLDER"], photo.storage_key).read_bytes()
    assert b"PhoneMaker" not in data
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825) is None
    assert (photo.width, photo.height) == (80, 60)


def png_bomb(side: int = 60_000) -> bytes:
    """A tiny PNG whose header claims side x side pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    row = b"\0" + b"\0" * (side * 3)
    idat = zlib.compress(row * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )

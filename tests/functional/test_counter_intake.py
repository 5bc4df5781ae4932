"""Counter intake (Loket): a clerk files a report for a walk-in or phone citizen.

Driven like a browser on the staff page, with the real intake path, the real outbox
(e-mail written as .eml files, WhatsApp by the file connector) and the real QR decoder on
the printed slip.
"""

from __future__ import annotations

import email
import io
import os
import re
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from html import unescape

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.accounts.services import create_user
from portal.complaints.access import token_matches
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.messaging.delivery import WhatsAppChannel
from portal.notifications.delivery import EmailChannel
from portal.outbox.worker import deliver_all_due
from tests.components import zxing

PASSWORD = "kata-sandi-uji-123"
POINT = "rsud-ulin/poli-umum/pendaftaran"
OTHER_UNIT_POINT = "rsud-ulin/igd/pendaftaran-igd"
SLIP = re.compile(r"/staf/loket/struk/([A-Z]{2,4}-[A-Z0-9]{6})$")
ACCOUNTS = {
    "unit": dict(role="unit-officer", agency="rsud-ulin", unit="poli-umum"),
    "admin": dict(role="regional-admin", region="kalsel"),
    "super": dict(role="super-admin"),
    "leader": dict(role="leader", region="kalsel"),
    "hst_admin": dict(role="regional-admin", region="hst"),
}


@pytest.fixture
def staff(app, router, h) -> dict:
    clients = {}
    for name, spec in ACCOUNTS.items():
        address = f"{name}@loket.example.org"
        create_user(router, email=address, password=PASSWORD, **spec)
        client = app.test_client()
        assert h.login(client, address, PASSWORD).status_code == 302
        clients[name] = client
    return clients


@pytest.fixture
def mail_dir(app, tmp_path):
    saved = app.config["MAIL_FILE_DIR"], app.config["MAIL_SERVER"]
    app.config.update(MAIL_FILE_DIR=str(tmp_path / "mail"), MAIL_SERVER="")
    yield tmp_path / "mail"
    app.config["MAIL_FILE_DIR"], app.config["MAIL_SERVER"] = saved


@pytest.fixture
def message_dir(app, tmp_path):
    saved = app.config["PHONE_MESSAGE_DIR"]
    app.config["PHONE_MESSAGE_DIR"] = str(tmp_path / "messages")
    yield tmp_path / "messages"
    app.config["PHONE_MESSAGE_DIR"] = saved


def open_counter(client, h) -> dict[str, str]:
    page = client.get("/staf/loket")
    assert page.status_code == 200, page.status_code
    fields = h.hidden_fields(page.data)
    assert fields["csrf_token"] and fields["submission_key"]
    return fields


def post_counter(client, h, hidden=None, files=None, **overrides):
    hidden = hidden if hidden is not None else open_counter(client, h)
    defaults = {"service_point": POINT, "channel": "counter", "language": "id"}
    data = {**hidden, **h.valid_report(**{**defaults, **overrides})}
    if files:
        data["photos"] = files
    return client.post("/staf/loket", data=data, content_type="multipart/form-data")


def slip_code(response) -> str:
    assert response.status_code == 303, (response.status_code, response.data[:800])
    match = SLIP.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def stored() -> int:
    return db.session.execute(select(func.count(Complaint.id))).scalar_one()


def case(code: str) -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()


def options(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select id="{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, name
    return [v for v in re.findall(r'<option value="([^"]*)"', select_html.group(1)) if v]


# --- end to end ----------------------------------------------------------------------------


def test_a_clerk_files_a_walk_in_report_the_citizen_gets_the_receipt_the_clerk_a_slip(
    app, staff, h, mail_dir
):
    clerk = staff["unit"]
    code = slip_code(post_counter(clerk, h))

    complaint = case(code)
    assert complaint.channel == "counter"
    assert (complaint.origin_agency_id, complaint.origin_unit_id) == ("rsud-ulin", "poli-umum")
    first = complaint.events[0]
    assert first.kind == "submitted" and first.actor.email == "unit@loket.example.org"
    queue = clerk.get("/staf/antrian").get_data(as_text=True)
    assert code in queue
    page = clerk.get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert "Loket (dicatat petugas)" in page and "unit@loket.example.org" in page

    # The citizen's receipt, by e-mail, with the private link.
    deliver_all_due(EmailChannel(), now=datetime.now(UTC))
    receipts = []
    for path in mail_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        if message["To"] == "siti@example.org":
            receipts.append(message)
    (receipt,) = receipts
    assert code in receipt["Subject"]
    body = receipt.get_body(("plain",)).get_content()
    link = re.search(r"http://localhost/lacak/\S+\?t=[A-Za-z0-9_-]+", body).group(0)

    # The slip: code, service point, where the receipt went, and the QR of that same link.
    slip = clerk.get(f"/staf/loket/struk/{code}")
    assert slip.status_code == 200
    html = unescape(slip.get_data(as_text=True))
    assert code in html and "RSUD Ulin" in html and "Tanda terima laporan" in html
    assert "lewat e-mail ke siti@example.org" in html
    # The link's typed form, printed only with its QR code, and in the receipt as well.
    pin = re.search(r'id="slip-pin">.*?<strong class="slip-code">([A-Z0-9-]{7})<', html).group(1)
    assert f"PIN {pin}" in body
    qr = clerk.get(f"/staf/loket/struk/{code}/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png"
    decoded = zxing().read_barcodes(Image.open(io.BytesIO(qr.data)))
    assert [d.text for d in decoded] == [link]
    token = link.rsplit("?t=", 1)[1]
    assert token_matches(token, complaint.access_token_hash)
    private = app.test_client().get(link.removeprefix("http://localhost"))
    assert private.status_code == 200
    assert "tiga jam di loket pendaftaran" in private.get_data(as_text=True)


def test_a_phone_citizen_who_chose_whatsapp_gets_it_there_in_english(app, staff, h, message_dir):
    code = slip_code(
        post_counter(
            staff["admin"],
            h,
            channel="phone",
            language="en",
            reporter_email=None,
            notify_via="whatsapp",
        )
    )
    complaint = case(code)
    chosen = (complaint.channel, complaint.notify_via, complaint.locale)
    assert chosen == ("phone", "whatsapp", "en")
    deliver_all_due(WhatsAppChannel(), now=datetime.now(UTC))
    (sent,) = (message_dir / "whatsapp").glob("*.txt")
    text = sent.read_text()
    assert "To: +6281234567890" in text and code in text and "?t=" in text
    assert "Thank you" in text  # the citizen's language, not the clerk's
    slip = unescape(staff["admin"].get(f"/staf/loket/struk/{code}").get_data(as_text=True))
    assert 'lang="en"' in slip and "Report receipt" in slip and "by WhatsApp" in slip
    assert "Telepon (dicatat petugas)" not in slip and "Telephone" in slip
    # A caller cannot scan the slip: the clerk is told to read the code out (not printed).
    assert f"read the tracking code {code} to the caller" in slip


def test_a_walk_in_slip_has_no_telephone_note(staff, h):
    code = slip_code(post_counter(staff["unit"], h))
    slip = staff["unit"].get(f"/staf/loket/struk/{code}").get_data(as_text=True)
    assert code in slip and 'id="slip-phone"' not in slip


def test_the_form_speaks_to_the_clerk_about_the_reporter(staff, client, ulin_payload):
    """The clerk ticks Anonim for the citizen: "hide my identity" would be the clerk's."""
    page = staff["unit"].get("/staf/loket").get_data(as_text=True)
    assert "sembunyikan identitas pelapor" in page and "Beri tahu pelapor lewat" in page
    assert "Nama pelapor tidak dicatat" in page and "e-mail pelapor agar petugas" in page
    for citizen_voice in ("identitas saya", "Beri tahu saya", "menghubungi Anda", "Nama Anda"):
        assert citizen_voice not in page
    # The citizen's own form keeps speaking to the citizen.
    form = client.get(f"/q/{ulin_payload}").get_data(as_text=True)
    assert "sembunyikan identitas saya" in form and "menghubungi Anda" in form


# --- who may file, and for where -------------------------------------------------------------


def test_the_service_points_offered_are_the_clerks_reach(staff, h):
    unit = options(staff["unit"].get("/staf/loket").get_data(as_text=True), "service_point")
    assert unit and all(v.startswith("rsud-ulin/poli-umum/") for v in unit)
    admin = options(staff["admin"].get("/staf/loket").get_data(as_text=True), "service_point")
    assert POINT in admin and OTHER_UNIT_POINT in admin
    assert not [v for v in admin if v.startswith("rsud-damanhuri/")]
    everything = options(staff["super"].get("/staf/loket").get_data(as_text=True), "service_point")
    assert set(admin) < set(everything)
    assert [v for v in everything if v.startswith("rsud-damanhuri/")]


@pytest.mark.parametrize(
    ("who", "point"),
    [
        ("unit", OTHER_UNIT_POINT),  # another unit of the same agency
        ("unit", "rsud-ulin/poli-umum/tidak-ada"),  # names nothing
        ("admin", "rsud-damanhuri/poli-umum/pendaftaran"),  # another region
        ("hst_admin", POINT),
        ("unit", ""),
    ],
)
def test_a_service_point_outside_the_clerks_reach_is_refused_and_nothing_stored(
    staff, h, who, point
):
    response = post_counter(staff[who], h, service_point=point)
    assert response.status_code == 400
    assert "di luar wewenang Anda" in response.get_data(as_text=True)
    assert stored() == 0


def test_a_refused_service_point_still_shows_the_other_problems(staff, h):
    response = post_counter(staff["unit"], h, service_point=OTHER_UNIT_POINT, title="")
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "di luar wewenang Anda" in html and "Judul wajib diisi." in html
    assert stored() == 0


def test_a_leader_may_not_file(staff, h):
    leader = staff["leader"]
    assert leader.get("/staf/loket").status_code == 403
    token = h.hidden_fields(leader.get("/staf/antrian").data)["csrf_token"]
    hidden = {"csrf_token": token, "submission_key": "k" * 32}
    assert post_counter(leader, h, hidden=hidden).status_code == 403
    assert stored() == 0
    assert "/staf/loket" not in leader.get("/staf/antrian").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/staf/loket")
    assert response.status_code == 302 and "/staf/masuk" in response.headers["Location"]


# --- bad input -------------------------------------------------------------------------------


def test_missing_fields_get_the_intake_rules_messages_and_nothing_is_stored(staff, h):
    response = post_counter(
        staff["unit"], h, title="", description="pendek", reporter_name=None, consent=None
    )
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Judul wajib diisi." in html
    assert "Isi laporan harus 20 sampai 5000 karakter." in html
    assert "Nama wajib diisi, kecuali Anda memilih Anonim." in html
    assert "Centang persetujuan pelapor untuk mengirim." in html
    assert "pendek</textarea>" in html  # what was typed stays in the form
    assert stored() == 0


def test_whatsapp_without_a_phone_number_is_refused(staff, h):
    response = post_counter(staff["unit"], h, reporter_phone=None, notify_via="whatsapp")
    assert response.status_code == 400
    assert "Isi nomor HP untuk diberi tahu lewat WhatsApp atau SMS." in unescape(
        response.get_data(as_text=True)
    )
    assert stored() == 0


def test_an_unknown_channel_is_refused(staff, h):
    response = post_counter(staff["unit"], h, channel="web")
    assert response.status_code == 400
    assert "Pilih cara pelapor datang." in response.get_data(as_text=True)
    assert stored() == 0


def test_the_same_form_sent_twice_stores_one_report(staff, h):
    clerk = staff["unit"]
    hidden = open_counter(clerk, h)
    first = slip_code(post_counter(clerk, h, hidden=hidden))
    second = slip_code(post_counter(clerk, h, hidden=hidden))
    assert first == second and stored() == 1
    # The same key with other text: a conflict, nothing stored, a fresh key offered.
    third = post_counter(clerk, h, hidden=hidden, title="Judul yang lain sama sekali")
    assert third.status_code == 409 and stored() == 1
    assert h.hidden_fields(third.data)["submission_key"] != hidden["submission_key"]


def _web_and_counter(client, staff, h, ulin_payload, files):
    web = h.post_report(client, f"/q/{ulin_payload}", files=files())
    counter = post_counter(staff["unit"], h, files=files())
    return web, counter


def test_a_fake_photo_gets_the_web_forms_refusal(client, staff, h, ulin_payload):
    def files():
        return [(io.BytesIO(b"GIF89a not really a picture"), "foto.jpg", "image/jpeg")]

    web, counter = _web_and_counter(client, staff, h, ulin_payload, files)
    assert web.status_code == counter.status_code == 400
    message = "foto.jpg bukan berkas gambar yang dapat dibaca"
    assert message in unescape(web.get_data(as_text=True))
    assert message in unescape(counter.get_data(as_text=True))
    assert stored() == 0


def test_an_oversized_photo_gets_the_web_forms_refusal(app, client, staff, h, ulin_payload):
    noise = io.BytesIO()
    Image.frombytes("RGB", (120, 120), os.urandom(120 * 120 * 3)).save(noise, format="PNG")

    def files():
        return [(io.BytesIO(noise.getvalue()), "besar.png", "image/png")]

    saved = app.config["PHOTO_MAX_BYTES"]
    app.config["PHOTO_MAX_BYTES"] = 20_000
    try:
        web, counter = _web_and_counter(client, staff, h, ulin_payload, files)
    finally:
        app.config["PHOTO_MAX_BYTES"] = saved
    assert web.status_code == counter.status_code == 400
    message = "besar.png terlalu besar"
    assert message in unescape(web.get_data(as_text=True))
    assert message in unescape(counter.get_data(as_text=True))
    assert stored() == 0


def test_a_real_photo_is_kept(staff, h):
    photo = [(io.BytesIO(h.image_bytes("PNG")), "loket.png", "image/png")]
    code = slip_code(post_counter(staff["unit"], h, files=photo))
    (kept,) = case(code).photos
    assert kept.content_type == "image/jpeg"  # re-encoded, as from the web form


# --- re-printing the slip ------------------------------------------------------------------


def test_only_the_filing_clerk_reprints_the_private_link_and_only_for_a_while(staff, h):
    code = slip_code(post_counter(staff["unit"], h))
    again = staff["unit"].get(f"/staf/loket/struk/{code}").get_data(as_text=True)
    assert 'id="slip-qr"' in again  # a second copy right away
    # Another clerk of the same region: the slip, without the private link.
    other = staff["admin"].get(f"/staf/loket/struk/{code}")
    assert other.status_code == 200 and 'id="slip-no-link"' in other.get_data(as_text=True)
    assert 'id="slip-pin"' not in other.get_data(as_text=True)
    assert staff["admin"].get(f"/staf/loket/struk/{code}/qr.png").status_code == 403
    # The filer, after the window.
    complaint = case(code)
    complaint.submitted_at = complaint.submitted_at - timedelta(minutes=31)
    db.session.commit()
    late = staff["unit"].get(f"/staf/loket/struk/{code}").get_data(as_text=True)
    assert 'id="slip-no-link"' in late and 'id="slip-qr"' not in late
    assert 'id="slip-pin"' not in late
    assert staff["unit"].get(f"/staf/loket/struk/{code}/qr.png").status_code == 403
    # Outside the case's reach: 404; a leader: 403.
    assert staff["hst_admin"].get(f"/staf/loket/struk/{code}").status_code == 404
    assert staff["leader"].get(f"/staf/loket/struk/{code}").status_code == 403


def test_a_web_report_has_no_counter_slip(client, staff, h, ulin_payload):
    code, _token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    assert staff["unit"].get(f"/staf/loket/struk/{code}").status_code == 403
    assert staff["unit"].get(f"/staf/loket/struk/{code}/qr.png").status_code == 403

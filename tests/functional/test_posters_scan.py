"""Every poster size scans, also after print-like damage, and opens the right form.

Damage as a cheap office print and a phone camera would do it: rendered at 300 DPI, scaled
down to 100 DPI, blurred (radius 1), rotated 8 degrees, saved as JPEG quality 50.
"""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageFilter

from portal.posters.content import Logos, PosterJob, poster_content
from qr.poster import SIZES, PosterRenderer
from qr.render import qr_url
from tests.components import zxing

POINT = ("rsud-ulin", "poli-umum", "pendaftaran")  # Kalimantan Selatan: WhatsApp and SMS
SERVICE_NAME = "Pendaftaran Pasien"
NO_PHONE_POINT = ("rsud-damanhuri", "igd", "pendaftaran-igd")  # Hulu Sungai Tengah: neither


def damaged(img: Image.Image) -> Image.Image:
    small = img.resize((round(img.width / 3), round(img.height / 3)), Image.Resampling.LANCZOS)
    blurred = small.filter(ImageFilter.GaussianBlur(radius=1))
    turned = blurred.rotate(8, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    out = io.BytesIO()
    turned.save(out, "JPEG", quality=50)
    return Image.open(io.BytesIO(out.getvalue()))


def decoded_urls(img: Image.Image) -> list[str]:
    return [r.text for r in zxing().read_barcodes(img) if r.format.name == "QRCode"]


@pytest.fixture
def job(app, router, qr_keys):
    return PosterJob(
        router=router,
        keys=qr_keys,
        base_url=app.config["PUBLIC_BASE_URL"],
        size="a4",
        logos=Logos({}, {}),
        poster_id=lambda page: f"1-{page}",
    )


@pytest.mark.parametrize("size_id", list(SIZES))
def test_poster_qr_scans_after_damage_and_opens_the_form(client, router, job, size_id):
    point = router.find_service_point(*POINT)
    content = poster_content(job, point, 1, date(2026, 11, 22))
    # The poster of a region with WhatsApp/SMS (smaller QR, room for the lines) scans too.
    assert (content.whatsapp, content.sms) == ("0811-5000-1708", "0811-5000-1709")
    img = PosterRenderer(size_id).render(content).to_image()
    faces = 2 if size_id == "a6-tent" else 1

    clean = decoded_urls(img)
    assert clean == [content.qr_url] * faces
    after = decoded_urls(damaged(img))
    assert after and set(after) == {content.qr_url}, f"{size_id}: {after}"

    page = client.get(urlsplit(after[0]).path)
    assert page.status_code == 200
    assert SERVICE_NAME in page.get_data(as_text=True)


def test_printed_short_url_opens_the_same_form(client, router, job):
    point = router.find_service_point(*POINT)
    content = poster_content(job, point, 1, date(2026, 11, 22))
    assert content.short_url == f"localhost/k/{content.short_code}"
    page = client.get("/" + content.short_url.split("/", 1)[1])
    assert page.status_code == 200 and SERVICE_NAME in page.get_data(as_text=True)


def test_qr_carries_the_signed_payload_of_the_canonical_ids(router, job, qr_keys):
    # An aliased scan resolves to the live point, and the poster signs the live IDs.
    point = router.find_service_point(*POINT)
    content = poster_content(job, point, 1, date(2026, 11, 22))
    assert content.qr_url.startswith("HTTP://LOCALHOST/Q/RSUD-ULIN.POLI-UMUM.PENDAFTARAN.")
    assert f".{qr_keys.active}." in content.qr_url
    assert qr_url(job.base_url, content.qr_url.rsplit("/", 1)[1]) == content.qr_url
    assert content.followup_days == 14


def test_promise_follows_the_routing_file_clocks(router, job):
    # The IGD of RSUD Ulin promises complaints within 7 working days (unit clock override).
    igd = router.find_service_point("rsud-ulin", "igd", "pendaftaran-igd")
    assert poster_content(job, igd, 1, date(2026, 11, 22)).followup_days == 7


@pytest.mark.parametrize("size_id", list(SIZES))
def test_poster_of_a_region_without_phone_channels_scans(router, job, size_id):
    point = router.find_service_point(*NO_PHONE_POINT)
    content = poster_content(job, point, 1, date(2026, 11, 22))
    assert content.whatsapp is None and content.sms is None
    img = PosterRenderer(size_id).render(content).to_image()
    after = decoded_urls(damaged(img))
    assert after and set(after) == {content.qr_url}, f"{size_id}: {after}"


def test_the_print_page_says_which_regions_posters_carry_the_numbers(app, router, h):
    from portal.accounts.services import create_user

    create_user(
        router, email="super@example.org", role="super-admin", password="kata-sandi-uji-123"
    )
    staff = app.test_client()
    assert h.login(staff, "super@example.org", "kata-sandi-uji-123").status_code == 302
    html = staff.get("/staf/poster/").get_data(as_text=True)
    assert 'id="phone-lines-kalsel"' in html
    assert "Poster memuat nomor WhatsApp 0811-5000-1708 dan kode loket." in html
    assert "Poster memuat cara lapor lewat SMS ke 0811-5000-1709." in html
    assert 'id="phone-lines-hst"' not in html  # no numbers in Hulu Sungai Tengah

"""The main path: poster QR → form → one stored, routed complaint → tracking page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.complaints.models import Complaint
from portal.extensions import db


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


def test_qr_opens_form_naming_the_unit(client, ulin_payload):
    page = client.get(f"/q/{ulin_payload}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "RSUD Ulin Banjarmasin" in html
    assert "Poli Umum" in html and "Pendaftaran Pasien" in html
    assert 'name="csrf_token"' in html and 'name="submission_key"' in html
    assert 'enctype="multipart/form-data"' in html


def test_upper_case_qr_url_works_too(client, ulin_payload):
    """The QR holds an upper-case URL (alphanumeric mode): /Q/… must answer like /q/…."""
    assert client.get(f"/Q/{ulin_payload.upper()}").status_code == 200
    assert client.get(f"/q/{ulin_payload.lower()}").status_code == 200


def test_submission_lands_in_region_queue_with_deadlines(client, h, ulin_payload, router):
    url = f"/q/{ulin_payload}"
    code, token = h.receipt(h.post_report(client, url))
    assert code.startswith("KSL-")

    complaint = db.session.execute(select(Complaint)).scalar_one()
    expected = router.route("rsud-ulin", "poli-umum", "pendaftaran", classification="complaint")
    assert complaint.tracking_code == code
    assert complaint.region_id == "kalsel"
    assert (complaint.agency_id, complaint.unit_id) == (expected.agency.id, expected.unit.id)
    assert complaint.routing_version == router.version
    assert complaint.routing_rule == expected.rule_id
    assert complaint.status == "new"
    assert [e.kind for e in complaint.events] == ["submitted"]
    # Deadlines are working days after the submission date: never on a weekend.
    assert complaint.verify_due.weekday() < 5 and complaint.followup_due.weekday() < 5
    assert complaint.followup_due > complaint.verify_due > complaint.submitted_at.date()

    receipt_page = client.get(f"/lacak/{code}?t={token}&baru=1")
    text = receipt_page.get_data(as_text=True)
    assert receipt_page.status_code == 200
    assert code in text and "Laporan Anda sudah diterima" in text
    assert "Antrean pendaftaran sangat lama" in text  # the private view shows the report


def test_rule_sends_staff_conduct_to_the_inspectorate(client, h, ulin_payload, router):
    h.receipt(h.post_report(client, f"/q/{ulin_payload}", category="perilaku-petugas"))
    complaint = db.session.execute(select(Complaint)).scalar_one()
    assert complaint.routing_rule != "default"
    agency = next(a for a in router.region("kalsel").agencies if a.id == complaint.agency_id)
    assert "Inspektorat" in agency.name
    assert complaint.origin_agency_id == "rsud-ulin"


def test_short_code_opens_the_same_form(client, h, router):
    point = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran")
    typed = point.short_code.lower()[:3] + " - " + point.short_code.lower()[3:]
    redirect = client.get("/k", query_string={"kode": typed})
    assert redirect.status_code == 302
    assert redirect.headers["Location"].endswith(f"/k/{point.short_code}")
    page = client.get(f"/k/{point.short_code}")
    assert page.status_code == 200 and "Poli Umum" in page.get_data(as_text=True)
    code, _ = h.receipt(h.post_report(client, f"/k/{point.short_code}"))
    assert code.startswith("KSL-")


def test_unknown_short_code_explains_and_offers_picker(client):
    page = client.get("/k/ZZZZZZ")
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "Kode layanan tidak dikenal" in text and "/pilih/kalsel" in text
    bad = client.get("/k", query_string={"kode": "O0I1L"})
    assert bad.status_code == 400


def test_manual_picker_reaches_the_form(client, router):
    region = router.region("kalsel")
    agency = next(a for a in region.agencies if a.id == "rsud-ulin")
    unit = next(u for u in agency.units if u.id == "poli-umum")
    assert "RSUD Ulin Banjarmasin" in client.get("/pilih/kalsel").get_data(as_text=True)
    assert "Poli Umum" in client.get("/pilih/kalsel/rsud-ulin").get_data(as_text=True)
    services = client.get("/pilih/kalsel/rsud-ulin/poli-umum").get_data(as_text=True)
    for service in unit.services:
        assert f"/k/{service.short_code}" in services
    assert client.get("/pilih/nowhere").status_code == 404


def test_anonymous_report_stores_no_name(client, h, ulin_payload):
    h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", anonymous="y", reporter_name="Nama Rahasia")
    )
    complaint = db.session.execute(select(Complaint)).scalar_one()
    assert complaint.anonymous is True
    assert complaint.reporter_name is None


def test_named_report_needs_a_name_and_a_contact(client, h, ulin_payload):
    response = h.post_report(
        client, f"/q/{ulin_payload}", reporter_name="", reporter_phone="", reporter_email=""
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Nama wajib diisi" in text and "Isi nomor HP atau e-mail" in text
    assert count() == 0


def test_incident_date_in_the_future_is_refused(client, h, ulin_payload):
    future = date(date.today().year + 1, 1, 1).isoformat()
    response = h.post_report(client, f"/q/{ulin_payload}", incident_date=future)
    assert response.status_code == 400
    assert "tidak boleh di masa depan" in response.get_data(as_text=True)
    assert count() == 0


def test_tracking_page_shows_status_but_no_personal_data(client, h, ulin_payload):
    code, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    found = client.get("/lacak", query_string={"kode": code.lower().replace("-", " ")})
    assert found.status_code == 302
    page = client.get(found.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert code in text and "Belum terverifikasi" in text
    assert "Siti Aminah" not in text and "siti@example.org" not in text
    assert "Saya menunggu tiga jam" not in text  # the report text needs the private link


def test_confidential_report_shows_nothing_without_private_link(client, h, ulin_payload):
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}", confidential="y"))
    public = client.get(f"/lacak/{code}")
    assert public.status_code == 404
    text = public.get_data(as_text=True)
    assert "tidak ditemukan, atau bersifat rahasia" in text
    assert "Belum terverifikasi" not in text and "Antrean pendaftaran" not in text
    assert client.get(f"/lacak/{code}?t=wrong-token").status_code == 404
    private = client.get(f"/lacak/{code}?t={token}")
    assert private.status_code == 200
    assert "Antrean pendaftaran sangat lama" in private.get_data(as_text=True)


def test_unknown_and_malformed_tracking_codes(client):
    assert client.get("/lacak/KSL-AAAAAA").status_code == 404
    bad = client.get("/lacak", query_string={"kode": "not a code"})
    assert bad.status_code == 400
    assert "Format kode pelacakan tidak dikenali" in bad.get_data(as_text=True)


def test_english_is_available(client, ulin_payload):
    switch = client.get(f"/bahasa/en?next=/q/{ulin_payload}")
    assert switch.status_code == 302 and switch.headers["Location"].endswith(ulin_payload)
    text = client.get(f"/q/{ulin_payload}").get_data(as_text=True)
    assert "Submit report" in text and '<html lang="en">' in text
    client.get("/bahasa/id")
    assert "Kirim laporan" in client.get(f"/q/{ulin_payload}").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    for target in ("https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"):
        response = client.get("/bahasa/en", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_each_visitor_gets_its_own_form_keys(app, h, ulin_payload):
    url = f"/q/{ulin_payload}"
    first, second = app.test_client(), app.test_client()
    a, b = h.open_form(first, url), h.open_form(second, url)
    assert a["submission_key"] != b["submission_key"]
    assert a["csrf_token"] != b["csrf_token"]
    # Each token belongs to its own session: swapping them is refused.
    swapped = h.post_report(first, url, hidden={**a, "csrf_token": b["csrf_token"]})
    assert swapped.status_code == 400
    h.receipt(h.post_report(first, url, hidden=a))
    h.receipt(h.post_report(second, url, hidden=b))

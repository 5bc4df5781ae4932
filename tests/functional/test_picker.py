"""The manual picker without dead ends: empty units hidden, a search, and "Layanan lain"."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts.services import create_user
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.routing.model import OTHER_SERVICE_ID
from portal.routing.search import MAX_QUERY_CHARS, MAX_RESULTS

PASSWORD = "kata-sandi-panjang-sekali-42"


def text(response) -> str:
    return response.get_data(as_text=True)


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_units_without_services_are_hidden(client):
    """irban-khusus has contacts but no service: the agency page does not offer it."""
    page = text(client.get("/pilih/kalsel/inspektorat-kalsel"))
    assert "/pilih/kalsel/inspektorat-kalsel/sekretariat" in page
    assert "/pilih/kalsel/inspektorat-kalsel/irban-khusus" not in page
    assert "/lain/inspektorat-kalsel" in page and "Layanan saya tidak ada di daftar" in page


def test_an_empty_unit_opened_directly_still_offers_the_other_path(client):
    page = client.get("/pilih/kalsel/inspektorat-kalsel/irban-khusus")
    assert page.status_code == 200
    assert links(text(page)).count("/lain/inspektorat-kalsel") == 1


def test_every_service_list_ends_with_the_other_path(client):
    page = text(client.get("/pilih/kalsel/rsud-ulin/poli-umum"))
    services = page.split("<h1>", 1)[1].split("</ul>", 1)[0]
    hrefs = links(services)
    assert hrefs[-1] == "/lain/rsud-ulin"
    assert all(h.startswith("/k/") for h in hrefs[:-1]) and len(hrefs) == 4


def test_search_finds_services_by_any_name_in_either_language(client):
    found = text(client.get("/cari?q=PENDAFTARAN+ulin"))
    assert "Pendaftaran Pasien" in found and "Pendaftaran IGD" in found
    assert "RSUD Ulin Banjarmasin" in found and "Provinsi Kalimantan Selatan" in found
    assert "Puskesmas Barabai" not in found  # every word must match: "ulin" does not
    english = text(client.get("/cari?q=patient+registration"))
    assert "Pendaftaran Pasien" in english and "RSUD H. Damanhuri Barabai" in english
    # accents and punctuation are ignored: "KTP-el" is found as "ktp el", "kéluarga"
    assert "Kartu Keluarga" in text(client.get("/cari?q=k%C3%A9luarga"))
    assert "Perekaman dan Pencetakan KTP-el" in text(client.get("/cari?q=ktp+el"))


def test_search_links_open_the_report_form(client, router):
    found = text(client.get("/cari?q=pembayaran+pajak&wilayah=kalsel"))
    point = router.find_service_point("bapenda-kalsel", "samsat-banjarmasin-1", "pajak-tahunan")
    hrefs = [h for h in links(found) if h.startswith("/k/")]
    assert f"/k/{point.short_code}" in hrefs and len(hrefs) == 2  # Banjarmasin, Banjarbaru
    for href in hrefs:
        assert client.get(href).status_code == 200


def test_search_in_one_region(client):
    everywhere = text(client.get("/cari?q=pendaftaran+pasien"))
    only = text(client.get("/cari?q=pendaftaran+pasien&wilayah=hst"))
    assert "Muara Enim" in everywhere
    assert "Muara Enim" not in only and "Hulu Sungai Tengah" in only
    assert 'name="wilayah" value="hst"' in only


def test_search_misses_say_what_to_do(client):
    page = client.get("/cari?q=zzzqqq")
    html = text(page)
    assert page.status_code == 200
    assert "Tidak ada layanan yang cocok" in html and "zzzqqq" in html
    assert "/pilih/kalsel" in html and "Layanan saya tidak ada di daftar" in html


def test_empty_and_too_long_queries(client):
    empty = client.get("/cari?q=+++")
    assert empty.status_code == 200 and "Ketik nama layanan" in text(empty)
    long = client.get("/cari?q=" + "a" * (MAX_QUERY_CHARS + 1))
    assert long.status_code == 400 and "terlalu panjang" in text(long)
    words = client.get("/cari?q=" + "+".join(["poli"] * 9))
    assert words.status_code == 400


def test_many_hits_are_capped_with_a_note(client):
    page = text(client.get("/cari?q=a"))  # nearly every name has an "a"
    hits = page.split('class="plain card results"', 1)[1].split("</ul>", 1)[0]
    assert hits.count("<li>") == MAX_RESULTS
    assert f"{MAX_RESULTS} layanan pertama dari" in page


def test_the_search_is_rate_limited_per_address(limited):
    app = limited(RATELIMIT_SEARCH_PER_ADDRESS="3 per minute")
    client = app.test_client()
    answers = [client.get("/cari?q=poli").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_index_offers_the_search_and_only_regions_to_file_in(client):
    page = text(client.get("/"))
    assert 'action="/cari"' in page and 'name="q"' in page
    assert "/pilih/kalsel" in page and "/pilih/hst" in page


def test_english_pages_use_english_names(client, router):
    client.get("/bahasa/en")
    assert "South Kalimantan Province" in text(client.get("/"))
    agency = text(client.get("/pilih/kalsel/rsud-ulin"))
    assert "Ulin Regional Hospital, Banjarmasin" in agency and "General Outpatient Clinic" in agency
    assert "My service is not listed" in agency
    form = text(client.get("/pilih/kalsel/rsud-ulin/poli-umum"))
    assert "Patient Registration" in form
    point = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran")
    report = text(client.get(f"/k/{point.short_code}"))
    assert "Ulin Regional Hospital, Banjarmasin" in report and "Patient Registration" in report
    assert "Staff conduct" in report and "Perilaku petugas" not in report  # categories
    assert "Other service (not in the list)" in text(client.get("/lain/rsud-ulin"))


def test_indonesian_pages_keep_indonesian_names(client):
    page = text(client.get("/pilih/kalsel/rsud-ulin"))
    assert "RSUD Ulin Banjarmasin" in page and "Ulin Regional Hospital" not in page


def test_the_other_path_files_a_report_routed_like_any_service(client, h, router, app):
    hidden = h.open_form(client, "/lain/rsud-ulin")
    page = text(client.get("/lain/rsud-ulin"))
    assert "Layanan lain (tidak ada di daftar)" in page and "RSUD Ulin Banjarmasin" in page
    code, token = h.receipt(h.post_report(client, "/lain/rsud-ulin", hidden=hidden))
    complaint = db.session.execute(select(Complaint)).scalar_one()
    expected = router.route("rsud-ulin", "poli-umum", OTHER_SERVICE_ID)
    assert complaint.tracking_code == code
    assert (complaint.origin_agency_id, complaint.origin_unit_id, complaint.origin_service_id) == (
        "rsud-ulin",
        "poli-umum",
        OTHER_SERVICE_ID,
    )
    assert (complaint.agency_id, complaint.unit_id) == (expected.agency.id, expected.unit.id)
    case = text(client.get(f"/lacak/{code}?t={token}"))
    assert "RSUD Ulin Banjarmasin" in case

    create_user(router, email="super@example.org", password=PASSWORD, role="super-admin")
    staff = app.test_client()
    assert h.login(staff, "super@example.org", PASSWORD).status_code == 302
    queue = text(staff.get("/staf/antrian?tab=all"))
    row = queue.split(code, 1)[1].split("</tr>", 1)[0]
    assert 'class="badge unlisted"' in row
    case_page = text(staff.get(f"/staf/kasus/{code}"))
    assert "RSUD Ulin Banjarmasin – Poli Umum – Layanan lain (tidak ada di daftar)" in case_page


def test_the_other_path_follows_the_agency_rules(client, h, router):
    """A rule may match the built-in service like any other (staff conduct → inspectorate)."""
    h.receipt(h.post_report(client, "/lain/rsud-ulin", category="perilaku-petugas"))
    complaint = db.session.execute(select(Complaint)).scalar_one()
    expected = router.route("rsud-ulin", "poli-umum", OTHER_SERVICE_ID, category="perilaku-petugas")
    assert expected.rule_id != "default"
    assert (complaint.agency_id, complaint.unit_id) == (expected.agency.id, expected.unit.id)


def test_the_other_path_for_an_unknown_agency(client):
    assert client.get("/lain/tidak-ada").status_code == 404


def test_printed_codes_are_unchanged(client, router):
    """The built-in service takes no short code: every poster code opens its own form."""
    points = list(router.service_points())
    assert all(not p.service.is_other for p in points)
    assert len({p.short_code for p in points}) == len(points)
    for p in points[:5]:
        assert router.by_short_code(p.short_code) == p


def test_the_citizen_reads_names_in_their_language(client, h, router):
    """The private page and the citizen's messages (e-mail, WhatsApp, SMS: where_it_is)
    name places in the reporter's language; staff messages stay Indonesian."""
    from portal.notifications.messages import names, where_it_is

    client.get("/bahasa/en")
    code, token = h.receipt(h.post_report(client, "/lain/rsud-ulin"))
    complaint = db.session.execute(select(Complaint)).scalar_one()
    assert complaint.locale == "en"
    case = text(client.get(f"/lacak/{code}?t={token}&baru=1"))
    assert "Ulin Regional Hospital, Banjarmasin" in case and "South Kalimantan Province" in case
    assert where_it_is(complaint)["region_name"] == "South Kalimantan Province"
    assert names(complaint)["agency_name"] == "RSUD Ulin Banjarmasin"
    complaint.locale = "id"
    assert where_it_is(complaint)["region_name"] == "Provinsi Kalimantan Selatan"

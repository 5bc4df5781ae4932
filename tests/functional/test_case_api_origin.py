"""The staff case page of a report filed through the Open311 API: its coordinates with a map
link, and the client application's name (kept after the key is revoked)."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import replace

from portal.complaints import channels
from portal.intake.report import NewReport
from portal.intake.submission import submit_report
from portal.open311.keys import create_key, revoke_key

ULIN = ("rsud-ulin", "poli-umum", "pendaftaran")
REPORT = NewReport(
    submission_key="open311-case-page-key-0000001",
    classification="complaint",
    title="Lampu jalan depan rumah sakit padam",
    description="Sudah seminggu lampu jalan di depan pintu IGD padam pada malam hari.",
    reporter_name="Siti Aminah",
    reporter_phone="0812 3456 7890",
    latitude=-3.3194,
    longitude=114.5908,
)
OSM = "https://www.openstreetmap.org/?mlat=-3.3194&mlon=114.5908#map=18/-3.3194/114.5908"


def file_report(app, router, report: NewReport = REPORT, api_key_id: int | None = None) -> str:
    receipt = submit_report(
        ULIN,
        report,
        [],
        channel=channels.API,
        router=router,
        store=app.extensions["photo_store"],
        secret=app.config["SECRET_KEY"],
        api_key_id=api_key_id,
    )
    return receipt.tracking_code


def case_page(client, code: str) -> str:
    response = client.get(f"/staf/kasus/{code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def paragraph(page: str, element_id: str) -> str | None:
    found = re.search(rf'<p id="{element_id}">(.*?)</p>', page, re.S)
    return found.group(1) if found else None


def plain(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_coordinates_link_to_the_map_and_the_application_is_named(app, router, staff):
    key, _plaintext = create_key("kota-bjm-app", ["kalsel"], known_regions=["kalsel"])
    code = file_report(app, router, api_key_id=key.id)
    for who in ("admin", "unit"):  # the unit's officer may see where, too
        page = case_page(staff[who], code)
        where = paragraph(page, "case-coordinates")
        assert where is not None, who
        assert plain(where).startswith("Koordinat: -3.3194, 114.5908 ·")
        link = re.search(r"<a ([^>]+)>Lihat di OpenStreetMap</a>", where).group(1)
        assert f'href="{html_lib.escape(OSM)}"' in link
        assert 'target="_blank"' in link and 'rel="noopener noreferrer"' in link
        assert plain(paragraph(page, "case-api-key")) == "Diajukan lewat API: kota-bjm-app"
        channel = re.search(r'<span id="case-channel">(.*?)</span>', page, re.S).group(1)
        assert plain(channel) == "melalui API (Open311)"


def test_the_name_stays_after_the_key_is_revoked(app, router, staff):
    key, _plaintext = create_key("kota-bjm-app", ["kalsel"], known_regions=["kalsel"])
    code = file_report(app, router, api_key_id=key.id)
    revoke_key("kota-bjm-app")
    page = case_page(staff["admin"], code)
    assert plain(paragraph(page, "case-api-key")) == "Diajukan lewat API: kota-bjm-app"


def test_an_anonymous_report_still_shows_where_but_not_who(app, router, staff):
    anonymous = replace(
        REPORT, submission_key="open311-case-page-key-0000002", anonymous=True, reporter_name=None
    )
    code = file_report(app, router, anonymous)
    page = case_page(staff["unit"], code)
    assert plain(paragraph(page, "case-coordinates")).startswith("Koordinat: -3.3194, 114.5908")
    assert "Identitas pelapor disembunyikan (Anonim)." in page
    assert "0812 3456 7890" not in page
    assert paragraph(page, "case-api-key") is None  # filed without a key's name to show


def test_a_report_without_coordinates_shows_no_map(app, router, staff):
    code = file_report(
        app,
        router,
        replace(
            REPORT,
            submission_key="open311-case-page-key-0000003",
            latitude=None,
            longitude=None,
            location="Depan pintu IGD",
        ),
    )
    page = case_page(staff["admin"], code)
    assert paragraph(page, "case-coordinates") is None
    assert "openstreetmap" not in page


def test_coordinates_read_as_sent_at_most_six_decimals(app, router, staff):
    precise = replace(
        REPORT,
        submission_key="open311-case-page-key-0000004",
        latitude=-3.0,
        longitude=114.59081234,
    )
    page = case_page(staff["admin"], file_report(app, router, precise))
    where = paragraph(page, "case-coordinates")
    assert plain(where).startswith("Koordinat: -3, 114.590812 ·")
    assert "mlat=-3&amp;mlon=114.590812#map=18/-3/114.590812" in where


def test_english_staff_read_it_in_english(app, router, staff):
    key, _plaintext = create_key("kota-bjm-app", ["kalsel"], known_regions=["kalsel"])
    code = file_report(app, router, api_key_id=key.id)
    staff["admin"].set_cookie("lang", "en")
    page = case_page(staff["admin"], code)
    assert plain(paragraph(page, "case-coordinates")).startswith("Coordinates: -3.3194, 114.5908")
    assert "View on OpenStreetMap" in page
    assert plain(paragraph(page, "case-api-key")) == "Filed through the API: kota-bjm-app"

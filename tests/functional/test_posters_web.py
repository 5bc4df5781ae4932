"""The staff page "Cetak Poster": scope, downloads, bad input, and the registry."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.accounts.services import create_user
from portal.extensions import db
from portal.posters.models import PosterBatch

PASSWORD = "kata-sandi-uji-123"
ACCOUNTS = {
    "unit": {"role": "unit-officer", "agency": "rsud-ulin", "unit": "poli-umum"},
    "agency": {"role": "agency-officer", "agency": "rsud-ulin"},
    "kalsel": {"role": "regional-admin", "region": "kalsel"},
    "hst": {"role": "regional-admin", "region": "hst"},
    "leader": {"role": "leader", "region": "kalsel"},
    "super": {"role": "super-admin"},
}


@pytest.fixture
def staff(app, router):
    """Accounts made on first use (hashing a password is slow; most tests need one)."""
    made = {}

    def account(name: str):
        if name not in made:
            made[name] = create_user(
                router, email=f"{name}@example.org", password=PASSWORD, **ACCOUNTS[name]
            )
        return made[name]

    return account


@pytest.fixture
def login(app, h, staff):
    def as_(name: str):
        staff(name)
        client = app.test_client()
        response = h.login(client, f"{name}@example.org", PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return as_


def post(h, client, **fields):
    token = h.hidden_fields(client.get("/staf/poster/").data)["csrf_token"]
    data = {"csrf_token": token, "size": "a4", "format": "pdf", **fields}
    return client.post("/staf/poster/", data=data)


def points_of(router, agency, unit=None):
    return [
        p
        for p in router.service_points()
        if p.agency.id == agency and (unit is None or p.unit.id == unit)
    ]


def count_batches() -> int:
    return db.session.scalar(select(func.count()).select_from(PosterBatch))


def test_clerk_sees_only_their_units_services(login, router):
    page = login("unit").get("/staf/poster/").get_data(as_text=True)
    for point in points_of(router, "rsud-ulin", "poli-umum"):
        assert f'value="{"/".join(point.ids)}"' in page
    assert "rsud-ulin/igd/" not in page and "rsud-damanhuri" not in page
    assert 'name="agency"' not in page and 'name="region"' not in page
    assert "Cetak Poster" in page


def test_clerk_downloads_one_pdf_of_their_ticked_services(login, router, h, staff, app):
    client = login("unit")
    services = ["/".join(p.ids) for p in points_of(router, "rsud-ulin", "poli-umum")]
    response = post(h, client, service=services)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert len(reader.pages) == len(services)
    assert float(reader.pages[0].mediabox.width) == pytest.approx(595.28, abs=0.01)

    batch = db.session.execute(select(PosterBatch)).scalar_one()
    assert batch.id == int(response.headers["X-Poster-Batch"])
    assert (batch.origin, batch.created_by_id) == ("web", staff("unit").id)
    assert batch.key_id == app.config["QR_SIGNING_KEYS"].active
    assert ["/".join((i.agency_id, i.unit_id, i.service_id)) for i in batch.items] == services


def test_regional_admin_prints_a_whole_agency_as_a_zip(login, router, h):
    response = post(h, login("kalsel"), agency="rsud-ulin", format="zip", size="sticker")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert len(archive.namelist()) == len(points_of(router, "rsud-ulin"))


def test_unit_box_and_ticked_service_are_merged_without_duplicates(login, router, h):
    unit = points_of(router, "rsud-ulin", "poli-umum")
    response = post(h, login("agency"), unit="rsud-ulin/poli-umum", service="/".join(unit[0].ids))
    assert len(PdfReader(io.BytesIO(response.get_data())).pages) == len(unit)


@pytest.mark.parametrize(
    ("who", "fields"),
    [
        ("unit", {"service": "rsud-ulin/igd/pendaftaran-igd"}),  # another unit
        ("unit", {"agency": "rsud-ulin"}),  # more than their unit
        ("agency", {"unit": "bapenda-kalsel/samsat-banjarbaru"}),  # another agency
        ("hst", {"agency": "rsud-ulin"}),  # another region
        ("hst", {"region": "kalsel"}),
        ("kalsel", {"service": "rsud-damanhuri/igd/pendaftaran-igd"}),
    ],
)
def test_a_batch_outside_your_scope_is_forbidden(login, h, who, fields):
    assert post(h, login(who), **fields).status_code == 403
    assert count_batches() == 0


def test_leader_may_not_print_but_sees_the_registry(login):
    leader = login("leader")
    assert leader.get("/staf/poster/").status_code == 403
    assert leader.post("/staf/poster/", data={}).status_code in (400, 403)
    assert leader.get("/staf/poster/riwayat").status_code == 200
    assert "Cetak Poster" not in leader.get("/staf/antrian").get_data(as_text=True)


def test_pages_need_sign_in(client):
    for url in ("/staf/poster/", "/staf/poster/riwayat"):
        response = client.get(url)
        assert response.status_code == 302 and "/staf/masuk" in response.headers["Location"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Pilih minimal satu layanan yang akan dicetak."),
        ({"service": "rsud-ulin/poli-umum/x-ray"}, "Layanan rsud-ulin/poli-umum/x-ray tidak ada"),
        ({"agency": "rsud-nowhere"}, "Instansi rsud-nowhere tidak ada"),
        ({"unit": "rsud-ulin", "size": "a4"}, "Unit rsud-ulin tidak ada"),
        ({"unit": "rsud-ulin/poli-umum", "size": "a3"}, "Ukuran poster tidak dikenal."),
        ({"unit": "rsud-ulin/poli-umum", "format": "tiff"}, "Format berkas tidak dikenal."),
        ({"unit": "rsud-ulin/poli-umum", "format": "png"}, "Format PNG hanya untuk satu layanan"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(login, h, fields, message):
    response = post(h, login("kalsel"), **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_batches() == 0


def test_ticks_survive_a_refused_form(login, h):
    response = post(h, login("kalsel"), unit="rsud-ulin/poli-umum", format="png")
    page = response.get_data(as_text=True)
    assert 'value="rsud-ulin/poli-umum" checked' in page


def test_registry_lists_each_batch_within_scope(login, h, app, router, tmp_path):
    post(h, login("unit"), unit="rsud-ulin/poli-umum", size="sticker")
    post(h, login("kalsel"), agency="bapenda-kalsel", format="zip", size="sticker")
    out = str(tmp_path / "d.pdf")
    cli = app.test_cli_runner().invoke(
        args=["qr", "poster", "--agency", "rsud-damanhuri", "--size", "sticker", "-o", out]
    )
    assert cli.exit_code == 0, cli.output
    assert count_batches() == 3

    kalsel = login("kalsel").get("/staf/poster/riwayat").get_data(as_text=True)
    assert "unit@example.org" in kalsel and "kalsel@example.org" in kalsel
    assert "RSUD Ulin Banjarmasin – Poli Umum" in kalsel and "RSUD H. Damanhuri" not in kalsel

    hst = login("hst").get("/staf/poster/riwayat").get_data(as_text=True)
    assert "RSUD H. Damanhuri Barabai" in hst and "baris perintah" in hst
    assert "RSUD Ulin" not in hst and "unit@example.org" not in hst

    clerk = login("unit").get("/staf/poster/riwayat").get_data(as_text=True)
    assert "Poli Umum" in clerk and "bapenda" not in clerk.lower()

    everything = login("super").get("/staf/poster/riwayat").get_data(as_text=True)
    assert "Poli Umum" in everything and "Damanhuri" in everything

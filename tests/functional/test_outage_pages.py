"""A web process boots and answers while its database is unreachable, and recovers by itself.

Real components: a PostgreSQL URL on a port where nothing listens (refused at once, like a
stopped server), and an SQLite file in a folder that does not exist yet (the database
"comes back" when the folder is made). The gunicorn fault test with a real PostgreSQL
server that stops and starts is tests/functional/test_outage_gunicorn.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portal import create_app
from portal.routing.active import EXTENSION_KEY
from portal.routing.loader import load_router
from portal.routing.model import RoutingFileError
from qr.payload import ServiceRef, SigningKeys, encode
from tests import helpers
from tests.conftest import TEST_QR_KEYS
from tests.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]
ULIN = ServiceRef("rsud-ulin", "poli-umum", "pendaftaran")
TEXTS = {
    "id": ("Sedang gangguan", "coba lagi sebentar"),
    "en": ("Temporarily unavailable", "please try again shortly"),
}
PHOTO_AGAIN = {
    "id": "Foto tidak ikut tersimpan; lampirkan lagi saat mengirim ulang.",
    "en": "The photos were not kept; attach them again when you send it.",
}


def environ(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "APP_ENV": "testing",
        "SECRET_KEY": "outage-test-secret-key-long-enough-0123",
        "QR_SIGNING_KEYS": TEST_QR_KEYS,
        "PUBLIC_BASE_URL": "http://localhost",
        "INSTANCE_PATH": str(tmp_path),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "1",  # the probes must not be limited; the limiter needs no DB
        **extra,
    }


def closed_port_url() -> str:
    return f"postgresql://root@127.0.0.1:{free_port()}/x"


@pytest.fixture
def down_app(tmp_path):
    """An app whose database refuses every connection; built without touching it."""
    return create_app(environ=environ(tmp_path, closed_port_url()))


@pytest.fixture
def payload() -> str:
    return encode(ULIN, SigningKeys.parse(TEST_QR_KEYS))


def in_language(client, lang: str):
    if lang == "en":
        client.set_cookie("lang", "en")
    return client


def assert_outage(response, lang: str, *, form: bool = False) -> str:
    """503, Retry-After, not cached, the outage words; `form`: the report form's own page."""
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    title, hint = TEXTS[lang]
    assert hint in page
    assert (f"<h1>{title}</h1>" in page) is not form
    return page


def test_boots_without_the_database_and_the_probes_tell_the_truth(down_app):
    client = down_app.test_client()
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.data == b"ok\n"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.data == b"database unreachable\n"
    assert ready.mimetype == "text/plain"
    for probe in (alive, ready):
        assert probe.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in probe.headers  # no session, no browser id
    # Never rate limited, whatever a load balancer's probing rate (the lookup limit, the
    # tightest per-address one, is 60 a minute).
    statuses = {client.get("/healthz").status_code for _ in range(70)}
    statuses |= {client.get("/readyz").status_code for _ in range(70)}
    assert statuses == {200, 503}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_citizen_and_staff_pages_answer_503(down_app, payload, lang):
    client = in_language(down_app.test_client(), lang)
    for path in ("/", f"/q/{payload}", "/k/ABCD-2345", "/pilih/kalsel", "/lacak/KSL-ABC234"):
        assert_outage(client.get(path), lang)
    # A signed-in member of staff: loading the account needs the database.
    with down_app.test_request_context(environ_base=client.environ_base):
        identifier = down_app.login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session.update({"_user_id": "1:0", "_fresh": True, "_id": identifier})
    assert_outage(client.get("/staf/antrian"), lang)
    # The sign-in form itself needs no database; signing in does.
    client = in_language(down_app.test_client(), lang)
    login = client.get("/staf/masuk")
    assert login.status_code == 200
    fields = helpers.hidden_fields(login.data)
    sent = client.post(
        "/staf/masuk", data={**fields, "email": "a@example.org", "password": "x" * 12}
    )
    assert_outage(sent, lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_report_post_with_no_routing_yet_gives_the_typed_text_back(tmp_path, payload, lang):
    """A worker that started during the outage has no routing: the plain 503 page keeps
    the text and sends it again, with the same one-time key."""
    app = create_app({"WTF_CSRF_ENABLED": False}, environ=environ(tmp_path, closed_port_url()))
    client = in_language(app.test_client(), lang)
    report = helpers.valid_report(
        title="Loket <tutup> & antre", description="Saya datang pukul 07.00\nloket tutup."
    )
    photo = (helpers.io.BytesIO(helpers.image_bytes()), "bukti.jpg")
    sent = client.post(
        f"/q/{payload}",
        data={**report, "submission_key": "key-0123456789abcdef", "photos": [photo]},
        content_type="multipart/form-data",
    )
    page = assert_outage(sent, lang)
    assert PHOTO_AGAIN[lang] in page
    assert 'value="Loket &lt;tutup&gt; &amp; antre"' in page
    assert ">Saya datang pukul 07.00\nloket tutup.</textarea>" in page
    hidden = helpers.hidden_fields(page)
    assert hidden["submission_key"] == "key-0123456789abcdef"
    assert hidden["reporter_phone"] == report["reporter_phone"]
    assert hidden["reporter_email"] == report["reporter_email"]
    assert hidden["consent"] == "y" and hidden["csrf_token"]
    assert 'type="file"' in page and 'name="photos"' in page
    # Without a photo, no word about photos.
    again = client.post(f"/q/{payload}", data=report, content_type="multipart/form-data")
    assert PHOTO_AGAIN[lang] not in assert_outage(again, lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_report_post_with_routing_loaded_gives_the_form_back_filled(down_app, payload, lang):
    """A worker that was running before the outage keeps its routing: the blank form still
    opens, and the POST comes back as the real form with everything typed."""
    down_app.extensions[EXTENSION_KEY] = load_router(ROOT / "routing_rules.yaml")
    client = in_language(down_app.test_client(), lang)
    url = f"/q/{payload}"
    fields = helpers.open_form(client, url)  # no database needed for the blank form
    photo = (helpers.io.BytesIO(helpers.image_bytes()), "bukti.jpg")
    sent = helpers.post_report(
        client, url, fields, files=[photo], title="Antrean tiga jam", location="Loket 3"
    )
    page = assert_outage(sent, lang, form=True)
    assert PHOTO_AGAIN[lang] in page
    # the service point's own form, named in the reader's language
    assert ("RSUD Ulin" if lang == "id" else "Ulin Regional Hospital") in page
    assert 'value="Antrean tiga jam"' in page and 'value="Loket 3"' in page
    assert helpers.valid_report()["description"] in page
    assert 'value="siti@example.org"' in page
    assert helpers.hidden_fields(page)["submission_key"] == fields["submission_key"]
    # Sending the same report again and again while the database is down is no flood: the
    # same-text (2 an hour) and per-browser (5 in 10 minutes) limits must not refuse it.
    for _ in range(6):
        retry = helpers.post_report(client, url, fields, title="Antrean tiga jam")
        assert_outage(retry, lang, form=True)
    router = down_app.extensions[EXTENSION_KEY]
    point = router.find_service_point(ULIN.agency, ULIN.unit, ULIN.service)
    short = helpers.post_report(client, f"/k/{point.short_code}", title="Lewat kode pendek")
    assert 'value="Lewat kode pendek"' in assert_outage(short, lang, form=True)


def test_sqlite_database_that_comes_back_is_used_without_a_restart(tmp_path):
    """The folder of the SQLite file is missing (an unmounted volume): 503; once it is
    there, the next requests route and answer, with no restart."""
    folder = tmp_path / "volume"
    app = create_app(environ=environ(tmp_path, f"sqlite:///{folder / 'aduan.sqlite3'}"))
    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    assert_outage(client.get("/"), "id")
    folder.mkdir()
    assert client.get("/readyz").status_code == 200
    home = client.get("/")
    assert home.status_code == 200 and "Kalimantan Selatan" in home.get_data(as_text=True)


def test_invalid_routing_file_with_the_database_down_boots_and_refuses_to_route(tmp_path):
    """An invalid ROUTING_FILE stops the app when the database says it holds no version
    (tests/functional/test_startup.py); when the database cannot be asked the worker boots,
    and once the database answers with no version, every page says 503 and /readyz why."""
    broken = tmp_path / "rules.yaml"
    broken.write_text("regions: 3\n")
    folder = tmp_path / "volume"
    url = f"sqlite:///{folder / 'aduan.sqlite3'}"
    app = create_app(environ=environ(tmp_path, url, ROUTING_FILE=str(broken)))
    client = app.test_client()
    folder.mkdir()  # the database is back, and empty
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.data.startswith(b"routing not loaded")
    assert_outage(client.get("/"), "id")
    # Started now, with the database reachable and empty: refused, as before.
    with pytest.raises(RoutingFileError):
        create_app(environ=environ(tmp_path, url, ROUTING_FILE=str(broken)))

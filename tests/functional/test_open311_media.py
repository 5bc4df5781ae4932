"""media_url: fetched from a real HTTP server on 127.0.0.1, before anything is written.

Loopback is a refused address by default; the positive tests allow 127.0.0.1/32 through
OPEN311_MEDIA_ALLOWED_NETWORKS (as an operator allows a partner's office network), and the
others prove every way out stays shut: other loopback addresses, private, link-local and
metadata addresses behind a redirect, redirect loops, oversized, fake and slow files.
"""

from __future__ import annotations

import ipaddress
import subprocess
import time

import pytest
from sqlalchemy import select

from portal.complaints.models import Complaint, Photo
from portal.complaints.storage import blob_path
from portal.extensions import db
from portal.open311 import media_fetch
from portal.open311.media_fetch import MediaLimits, MediaRefused, fetch_photo, is_refused
from tests import photo_samples
from tests.functional.open311_peers import PhotoHost
from tests.functional.test_open311_post import URL, XML_URL, Unchanged, descriptions, form, posts
from tests.functional.test_open311_post import key as key

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture(scope="module")
def _server():
    server = PhotoHost().start()
    yield server
    server.stop()


@pytest.fixture
def host(_server):
    """The module's photo host, its log of requests emptied for this test."""
    _server.requests.clear()
    _server.big_size = PhotoHost.big_size
    return _server


@pytest.fixture
def allow_loopback(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_MEDIA_ALLOWED_NETWORKS", LOOPBACK)


def limits(**overrides) -> MediaLimits:
    values = {
        "max_bytes": 2 * 1024 * 1024,
        "max_pixels": 40_000_000,
        "timeout": 5.0,
        "allowed_networks": LOOPBACK,
    }
    values.update(overrides)
    return MediaLimits(**values)


def refusal(url: str, **overrides) -> str:
    with pytest.raises(MediaRefused) as caught:
        fetch_photo(url, limits(**overrides))
    return caught.value.reason


# --- through the API --------------------------------------------------------------------------


def test_a_photo_is_fetched_re_encoded_and_stored_without_metadata(
    app, client, key, host, allow_loopback
):
    response = client.post(URL, data=form(key, media_url=host.url("/photo.jpg")))
    assert response.status_code == 201, response.data
    case = db.session.execute(select(Complaint)).scalar_one()
    (photo,) = db.session.execute(select(Photo).where(Photo.complaint_id == case.id)).scalars()
    data = blob_path(app.config["UPLOAD_FOLDER"], photo.storage_key).read_bytes()
    photo_samples.assert_clean_jpeg(data)
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (120, 90)
    assert host.paths() == ["/photo.jpg"]
    assert host.requests[0].host == f"127.0.0.1:{host.port}"


def test_a_png_is_taken_and_stored_as_jpeg(app, client, key, host, allow_loopback):
    response = client.post(XML_URL, data=form(key, media_url=host.url("/photo.png")))
    assert response.status_code == 201, response.data
    (photo,) = db.session.execute(select(Photo)).scalars()
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (40, 30)


def test_loopback_is_refused_by_default_and_never_contacted(app, client, key, host):
    assert app.config["OPEN311_MEDIA_ALLOWED_NETWORKS"] == ()
    for url in (
        host.url("/photo.jpg"),
        f"http://localhost:{host.port}/photo.jpg",
        f"http://[::ffff:127.0.0.1]:{host.port}/photo.jpg",
    ):
        with Unchanged(app):
            response = client.post(URL, data=form(key, media_url=url))
        assert response.status_code == 400, url
        assert descriptions(response) == [
            "media_url: Alamat ini tidak boleh diambil (bukan alamat internet publik)."
        ]
    assert host.requests == []
    assert [(p.outcome, p.detail) for p in posts()] == [("media", "media_url:refused-address")] * 3


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/fake.jpg", "not-image"),
        ("/page.html", "not-image"),
        ("/big.jpg", "too-large"),
        ("/missing.jpg", "unfetchable"),
        ("/loop/0", "too-many-redirects"),
        ("/to?url=http://127.0.0.2/photo.jpg", "refused-address"),
        ("/to?url=http://10.20.30.40/photo.jpg", "refused-address"),
        ("/to?url=http://169.254.169.254/latest/meta-data/", "refused-address"),
        ("/to?url=http://[::1]/photo.jpg", "refused-address"),
        ("/to?url=file:///etc/passwd", "bad-url"),
    ],
)
def test_a_bad_media_url_is_a_400_and_stores_nothing(
    app, client, key, host, allow_loopback, path, reason
):
    with Unchanged(app):
        response = client.post(URL, data=form(key, media_url=host.url(path)))
    assert response.status_code == 400, response.data
    (text,) = descriptions(response)
    assert text == "media_url: " + _message(reason)
    (post,) = posts()
    assert (post.outcome, post.detail) == ("media", f"media_url:{reason}")


def test_the_error_is_in_the_requested_language(app, client, key, host, allow_loopback):
    response = client.post(URL, data=form(key, media_url=host.url("/fake.jpg"), locale="en"))
    assert descriptions(response) == [
        "media_url: This file is not a readable JPEG, PNG, WebP or HEIC image."
    ]


def test_a_slow_drip_server_is_cut_at_the_deadline(
    app, client, key, host, allow_loopback, monkeypatch
):
    monkeypatch.setitem(app.config, "OPEN311_MEDIA_TIMEOUT", 1.0)
    started = time.monotonic()
    with Unchanged(app):
        response = client.post(URL, data=form(key, media_url=host.url("/drip.jpg")))
    took = time.monotonic() - started
    assert response.status_code == 400
    assert descriptions(response) == ["media_url: Pengambilan foto terlalu lama."]
    assert took < 2.5, took


def _message(reason: str) -> str:
    return media_fetch.MESSAGES[reason]


# --- the fetcher itself -----------------------------------------------------------------------


def test_three_redirects_are_followed_and_a_fourth_is_refused(host):
    photo = fetch_photo(host.url("/chain/3"), limits())
    assert photo.content_type == "image/jpeg"
    assert host.paths() == ["/chain/3", "/chain/2", "/chain/1", "/chain/0"]
    assert refusal(host.url("/chain/4")) == "too-many-redirects"
    assert host.paths()[4:] == ["/chain/4", "/chain/3", "/chain/2", "/chain/1"]


def test_size_is_checked_on_content_length_and_while_reading(host):
    assert refusal(host.url("/big.jpg")) == "too-large"
    host.big_size = 3 * 1024 * 1024  # no Content-Length: counted while reading
    assert refusal(host.url("/stream.jpg")) == "too-large"
    assert refusal(host.url("/photo.jpg"), max_bytes=1000) == "too-large"


def test_slow_headers_and_slow_bodies_stop_at_one_deadline(host):
    for path in ("/hang.jpg", "/drip.jpg", "/to?url=/drip.jpg"):
        started = time.monotonic()
        assert refusal(host.url(path), timeout=0.6) == "too-slow", path
        assert time.monotonic() - started < 1.5, path


def test_a_body_shorter_than_promised_is_refused(host):
    assert refusal(host.url("/short.jpg")) == "unfetchable"


def test_only_http_and_https_urls_are_fetched(host):
    for url in (
        "ftp://example.org/a.jpg",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "http://",
        "http://user:pw@127.0.0.1/a.jpg",
        "http://127.0.0.1:99999/a.jpg",
        "javascript:alert(1)",
        "http://127.0.0.1/a b.jpg",
    ):
        assert refusal(url) == "bad-url", url
    assert host.requests == []


def test_a_closed_port_and_an_unknown_name_are_not_fetchable():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert refusal(f"http://127.0.0.1:{port}/a.jpg") == "unfetchable"
    assert refusal("http://tidak-ada.invalid/a.jpg") == "unfetchable"


def test_the_allowed_networks_open_only_what_they_name(host):
    assert refusal(host.url("/photo.jpg"), allowed_networks=()) == "refused-address"
    wide = (ipaddress.ip_network("127.0.0.0/8"),)
    assert fetch_photo(host.url("/photo.jpg"), limits(allowed_networks=wide)).width == 120
    assert refusal(host.url("/to?url=http://10.0.0.1/"), allowed_networks=wide) == (
        "refused-address"
    )


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2001:db8::1",
    ],
)
def test_every_non_public_address_is_refused(address):
    assert is_refused(ipaddress.ip_address(address), ())


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "203.194.112.1", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address):
    assert not is_refused(ipaddress.ip_address(address), ())


def test_a_name_with_any_refused_address_is_refused():
    public, inside = ipaddress.ip_address("203.194.112.1"), ipaddress.ip_address("10.1.2.3")
    assert media_fetch.first_of_all_allowed([public], ()) == public
    for addresses in ([public, inside], [inside, public]):
        with pytest.raises(MediaRefused) as caught:
            media_fetch.first_of_all_allowed(addresses, ())
        assert caught.value.reason == "refused-address"
    office = (ipaddress.ip_network("10.0.0.0/8"),)
    assert media_fetch.first_of_all_allowed([public, inside], office) == public


def test_a_name_is_resolved_and_checked_before_any_connection(host):
    """`localhost` resolves to loopback: refused by default, taken once allowed, and the
    request carries the name (Host) while the connection goes to the checked address."""
    with pytest.raises(MediaRefused) as caught:
        media_fetch.vetted_address("localhost", host.port, (), time.monotonic() + 5)
    assert caught.value.reason == "refused-address"
    everything_local = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
    url = f"http://localhost:{host.port}/photo.jpg"
    assert fetch_photo(url, limits(allowed_networks=everything_local)).width == 120
    assert host.requests[-1].host == f"localhost:{host.port}"
    assert host.requests[-1].client in {"127.0.0.1", "::1"}


# --- https --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_host(tmp_path_factory):
    """An HTTPS photo host with a self-signed certificate for the name `localhost`."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key_file = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key_file),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    server = PhotoHost().start(tls=(str(cert), str(key_file)))
    yield server, cert
    server.stop()


def test_https_connects_to_the_checked_address_with_the_names_sni_and_certificate(
    tls_host, monkeypatch
):
    server, cert = tls_host
    local = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
    url = f"https://localhost:{server.port}/photo.jpg"
    # not trusted: the certificate is checked
    assert refusal(url, allowed_networks=local) == "unfetchable"
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the test's certificate made trusted
    server.requests.clear()
    server.sni.clear()
    assert fetch_photo(url, limits(allowed_networks=local)).width == 120
    assert server.sni == ["localhost"]
    assert [(r.path, r.host) for r in server.requests] == [
        ("/photo.jpg", f"localhost:{server.port}")
    ]
    # the same server by its address: the certificate names no address, so it is refused
    assert refusal(f"https://127.0.0.1:{server.port}/photo.jpg", allowed_networks=local) == (
        "unfetchable"
    )
    # and https without the allowance is refused before any handshake
    server.sni.clear()
    assert refusal(url, allowed_networks=()) == "refused-address"
    assert server.sni == []

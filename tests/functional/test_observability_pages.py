"""The request id a citizen can quote: on the error pages, in their language, equal to the
`X-Request-ID` header, and on the probes' answers."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from tests.functional.test_outage_pages import closed_port_url, environ

WORDS = {"id": "Kode kejadian: ", "en": "Incident code: "}


def quoted(response, lang: str) -> str:
    page = response.get_data(as_text=True)
    found = re.search(re.escape(WORDS[lang]) + r"([0-9a-f]{32})<", page)
    assert found, page[-600:]
    assert found.group(1) == response.headers["X-Request-ID"]
    return found.group(1)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_error_pages_show_the_request_id(client, lang):
    if lang == "en":
        client.set_cookie("lang", "en")
    missing = client.get("/tidak-ada-halaman-ini")
    assert missing.status_code == 404
    first = quoted(missing, lang)
    assert quoted(client.get("/tidak-ada-halaman-ini"), lang) != first  # one per request
    wrong_method = client.delete("/")
    assert wrong_method.status_code == 405
    quoted(wrong_method, lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_outage_page_shows_it_and_the_probes_send_it(tmp_path, lang):
    client = create_app(environ=environ(tmp_path, closed_port_url())).test_client()
    if lang == "en":
        client.set_cookie("lang", "en")
    down = client.get("/lacak/KSL-ABC234")
    assert down.status_code == 503
    quoted(down, lang)
    for probe in ("/healthz", "/readyz"):
        answer = client.get(probe, headers={"X-Request-ID": "probe-0001"})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])
        assert b"probe-0001" not in answer.data  # plain probes: the header only


@pytest.mark.parametrize("proxies", ["0", "1"])
def test_an_inbound_id_is_kept_only_behind_a_trusted_proxy(tmp_path, proxies):
    """Straight from the internet (TRUSTED_PROXIES=0) X-Request-ID is what the client chose:
    reusing the id a citizen quoted would file the attacker's lines under that citizen's."""
    app = create_app(environ=environ(tmp_path, closed_port_url(), TRUSTED_PROXIES=proxies))
    answer = app.test_client().get("/healthz", headers={"X-Request-ID": "quoted-id-0001"})
    if proxies == "0":
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])
    else:
        assert answer.headers["X-Request-ID"] == "quoted-id-0001"

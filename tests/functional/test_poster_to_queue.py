"""Done-when of the citizen journey: a code made by `qr make` scans into a form whose
submission appears in `complaints list` and on the queue page of its region only."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from PIL import Image

from portal.accounts.services import create_user
from tests.components import zxing

PASSWORD = "kata-sandi-uji-123"


def test_qr_make_scans_into_the_right_queue(app, client, h, router, tmp_path):
    zx = zxing()
    runner = app.test_cli_runner()
    png = tmp_path / "poster.png"
    made = runner.invoke(
        args=[
            "qr",
            "make",
            "--agency",
            "rsud-ulin",
            "--unit",
            "poli-umum",
            "--service",
            "pendaftaran",
            "-o",
            str(png),
        ]
    )
    assert made.exit_code == 0, made.output
    decoded = zx.read_barcodes(Image.open(png))
    assert len(decoded) == 1
    url = decoded[0].text
    assert url in made.output  # the CLI printed the URL it encoded

    path = urlsplit(url).path  # e.g. /Q/RSUD-ULIN.POLI-UMUM.PENDAFTARAN.T2.…
    assert "RSUD Ulin Banjarmasin" in client.get(path).get_data(as_text=True)
    code, _ = h.receipt(h.post_report(client, path))

    listed = runner.invoke(args=["complaints", "list", "--region", "kalsel", "--json"])
    assert [r["tracking_code"] for r in json.loads(listed.output)] == [code]
    for other in (r.id for r in router.regions if r.id != "kalsel"):
        out = runner.invoke(args=["complaints", "list", "--region", other, "--json"])
        assert json.loads(out.output) == []

    create_user(
        router, email="k@example.org", password=PASSWORD, role="regional-admin", region="kalsel"
    )
    create_user(
        router, email="m@example.org", password=PASSWORD, role="regional-admin", region="muara-enim"
    )
    kalsel, muara = app.test_client(), app.test_client()
    h.login(kalsel, "k@example.org", PASSWORD)
    h.login(muara, "m@example.org", PASSWORD)
    assert code in kalsel.get("/staf/antrian").get_data(as_text=True)
    assert code not in muara.get("/staf/antrian").get_data(as_text=True)
    assert muara.get(f"/staf/kasus/{code}").status_code == 404


def test_qr_make_unknown_service_point(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=[
            "qr",
            "make",
            "--agency",
            "rsud-ulin",
            "--unit",
            "nope",
            "--service",
            "x",
            "-o",
            str(tmp_path / "x.png"),
        ]
    )
    assert result.exit_code == 1
    assert not (tmp_path / "x.png").exists()


def test_routing_route_cli_prints_destination_json(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "routing",
            "route",
            "--agency",
            "rsud-ulin",
            "--unit",
            "poli-umum",
            "--service",
            "pendaftaran",
            "--classification",
            "complaint",
            "--category",
            "perilaku-petugas",
        ]
    )
    assert result.exit_code == 0, result.output
    dest = json.loads(result.output)
    assert dest["region"]["id"] == "kalsel"
    assert dest["rule"] != "default" and dest["agency"]["id"].startswith("inspektorat")
    assert dest["clocks"]["verification"] >= 1
    unknown = runner.invoke(
        args=["routing", "route", "--agency", "x", "--unit", "y", "--service", "z"]
    )
    assert unknown.exit_code == 1

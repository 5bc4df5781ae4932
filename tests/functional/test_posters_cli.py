"""`flask qr poster`: batches from the command line, recorded in the registry."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.posters.models import PosterBatch, PosterItem
from portal.routing.loader import load_router
from qr.poster import SIZES


def run(app, *args):
    return app.test_cli_runner().invoke(args=["qr", "poster", *map(str, args)])


def batches():
    return db.session.execute(select(PosterBatch).order_by(PosterBatch.id)).scalars().all()


def test_agency_pdf_has_one_page_per_service_in_a4(app, router, tmp_path):
    out = tmp_path / "ulin.pdf"
    result = run(app, "--agency", "rsud-ulin", "-o", str(out))
    assert result.exit_code == 0, result.output
    expected = [p for p in router.service_points() if p.agency.id == "rsud-ulin"]
    assert len(expected) > 5

    reader = PdfReader(out, strict=True)
    assert len(reader.pages) == len(expected)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(210 / 25.4 * 72, abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(297 / 25.4 * 72, abs=0.01)

    (batch,) = batches()
    assert (batch.origin, batch.created_by_id) == ("cli", None)
    assert (batch.size, batch.format) == ("a4", "pdf")
    assert batch.key_id == app.config["QR_SIGNING_KEYS"].active
    assert batch.routing_version == router.version
    assert batch.selection == "agency:rsud-ulin" and batch.poster_count == len(expected)
    assert [(i.page, i.agency_id, i.unit_id, i.service_id) for i in batch.items] == [
        (n, *p.ids) for n, p in enumerate(expected, start=1)
    ]
    assert f"batch {batch.id}" in result.output


@pytest.mark.parametrize("size_id", ["a5", "a6-tent", "sticker"])
def test_unit_batch_in_each_size(app, router, tmp_path, size_id):
    out = tmp_path / "poli.pdf"
    result = run(app, "--agency", "rsud-ulin", "--unit", "poli-umum", "--size", size_id, "-o", out)
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    unit = [p for p in router.service_points() if p.ids[:2] == ("rsud-ulin", "poli-umum")]
    assert len(reader.pages) == len(unit)
    size = SIZES[size_id]
    assert float(reader.pages[0].mediabox.width) == pytest.approx(size.width_pt, abs=0.01)
    assert float(reader.pages[0].mediabox.height) == pytest.approx(size.height_pt, abs=0.01)


def test_region_zip_and_single_png(app, router, tmp_path):
    out = tmp_path / "hst.zip"
    assert run(app, "--region", "hst", "--size", "sticker", "-o", str(out)).exit_code == 0
    hst = [p for p in router.service_points() if p.region.id == "hst"]
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert len(names) == len(hst) and names[0].startswith("0001-") and names[0].endswith(".png")

    png = tmp_path / "one.png"
    result = run(
        app, "--agency", "rsud-ulin", "--unit", "poli-umum", "--service", "pendaftaran",
        "-o", str(png),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Image.open(png).size == (2480, 3508)
    assert [b.format for b in batches()] == ["zip", "png"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "atlantis"], "unknown region 'atlantis'"),
        (["--agency", "rsud-nowhere"], "unknown agency 'rsud-nowhere'"),
        (["--agency", "rsud-ulin", "--unit", "poli-gigi"], "unknown unit 'rsud-ulin/poli-gigi'"),
        (
            ["--agency", "rsud-ulin", "--unit", "poli-umum", "--service", "x-ray"],
            "unknown service 'rsud-ulin/poli-umum/x-ray'",
        ),
        (["--agency", "rsud-ulin", "--format", "png"], "a PNG holds one poster"),
        (["--agency", "inspektorat-kalsel", "--unit", "irban-khusus"], "no service selected"),
    ],
)
def test_bad_selection_exits_non_zero_and_records_nothing(app, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    result = run(app, *args, "-o", str(out))
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not out.exists()
    assert db.session.scalar(select(func.count()).select_from(PosterBatch)) == 0


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--region", "kalsel", "--agency", "rsud-ulin"],
        ["--region", "kalsel", "--unit", "poli-umum"],
        ["--agency", "rsud-ulin", "--service", "pendaftaran"],
        ["--agency", "rsud-ulin", "--size", "a3"],
        ["--agency", "rsud-ulin", "--format", "tiff"],
    ],
)
def test_misused_options_are_usage_errors(app, tmp_path, args):
    result = run(app, *args, "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 2, result.output


def test_broken_logo_warns_and_posters_are_still_made(app, tmp_path, monkeypatch):
    from portal.routing.active import EXTENSION_KEY

    text = Path(app.config["ROUTING_FILE"]).read_text(encoding="utf-8")
    text = text.replace(
        "    prefix: KSL\n", "    prefix: KSL\n    logo: logo/kalsel.png\n", 1
    ).replace("    prefix: HST\n", "    prefix: HST\n    logo: logo/hst.png\n", 1)
    (tmp_path / "logo").mkdir()
    (tmp_path / "logo" / "hst.png").write_text("not a picture")  # kalsel's is missing
    routing = tmp_path / "routing_rules.yaml"
    routing.write_text(text)
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, load_router(routing))

    out = tmp_path / "both.pdf"
    result = run(app, "--region", "kalsel", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "warning: logo of region kalsel" in result.output and "is missing" in result.output
    assert len(PdfReader(out).pages) > 0
    result = run(app, "--region", "hst", "-o", str(tmp_path / "hst.pdf"))
    assert "is not a readable image" in result.output and result.exit_code == 0
    first, second = batches()
    assert first.warnings.startswith("logo-missing|kalsel|")
    assert second.warnings.startswith("logo-not-an-image|hst|")


def test_items_index_posters_by_unit(app, tmp_path):
    from portal.posters.queries import printed_for_unit

    run(app, "--agency", "rsud-ulin", "--unit", "igd", "-o", str(tmp_path / "a.pdf"))
    run(app, "--agency", "rsud-ulin", "-o", str(tmp_path / "b.pdf"))
    printed = printed_for_unit("rsud-ulin", "igd")
    assert len(printed) == 2 * len({i.service_id for i in printed})
    assert all(isinstance(i, PosterItem) for i in printed)

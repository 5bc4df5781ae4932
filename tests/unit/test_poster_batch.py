"""Batch files: a valid multi-page PDF of the right page sizes, ZIPs of PNGs, streaming."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader

from qr.batch import iter_chunks, iter_chunks_forked, write_batch
from qr.poster import SIZES, PosterRenderer
from tests.unit.test_poster_layout import content


def pages(n: int, size: str = "a4", seen: list[int] | None = None):
    renderer = PosterRenderer(size)
    for i in range(1, n + 1):
        if seen is not None:
            seen.append(i)
        page = renderer.render(content(poster_id=f"7-{i}", service_name=f"Layanan {i}"))
        yield f"{i:04d}.png", page


@pytest.mark.parametrize("size_id", list(SIZES))
def test_pdf_has_one_page_per_poster_of_the_physical_size(size_id):
    out = io.BytesIO()
    write_batch("pdf", pages(3, size_id), out)
    reader = PdfReader(io.BytesIO(out.getvalue()), strict=True)
    assert len(reader.pages) == 3
    size = SIZES[size_id]
    for page in reader.pages:
        box = page.mediabox
        assert float(box.left) == 0 and float(box.bottom) == 0
        assert float(box.width) / 72 * 25.4 == pytest.approx(size.width_mm, abs=0.01)
        assert float(box.height) / 72 * 25.4 == pytest.approx(size.height_mm, abs=0.01)


def test_pdf_stores_the_shared_template_once():
    out = io.BytesIO()
    write_batch("pdf", pages(4), out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    templates = set()
    for page in reader.pages:
        xobjects = page["/Resources"]["/XObject"]
        first = xobjects.raw_get("/I0")  # the template is the bottom layer
        templates.add(first.idnum)
        assert len(xobjects) >= 4  # template, names, service, QR, short URL, footer
    assert len(templates) == 1


def test_pdf_page_draws_what_the_png_shows():
    out = io.BytesIO()
    write_batch("pdf", pages(1), out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    template = reader.pages[0]["/Resources"]["/XObject"]["/I0"]
    assert (template["/Width"], template["/Height"]) == (2480, 3508)
    decoded = Image.frombytes("RGB", (2480, 3508), template.get_data())
    expected = next(pages(1))[1].layers[0].image
    assert decoded.tobytes() == expected.tobytes()


@pytest.mark.parametrize("fmt", ["pdf", "zip"])
def test_pages_are_pulled_one_at_a_time_while_the_file_streams(fmt):
    seen: list[int] = []
    written: list[int] = []
    data = b""
    for chunk in iter_chunks(fmt, pages(12, seen=seen), on_page=lambda: written.append(1)):
        assert len(seen) <= len(written) + 3, "the writer must not read far ahead"
        data += chunk
    assert len(seen) == len(written) == 12
    if fmt == "pdf":
        assert len(PdfReader(io.BytesIO(data)).pages) == 12
    else:
        assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 12


def test_forked_workers_write_the_same_pages_in_order():
    renderer = PosterRenderer("sticker")

    def render(index: int):
        page = renderer.render(content(poster_id=f"7-{index + 1}", service_name=f"L {index}"))
        return f"{index + 1:04d}.png", page

    forked = b"".join(iter_chunks_forked("zip", 6, render, workers=2))
    single = b"".join(iter_chunks("zip", (render(i) for i in range(6))))
    with zipfile.ZipFile(io.BytesIO(forked)) as a, zipfile.ZipFile(io.BytesIO(single)) as b:
        assert a.namelist() == b.namelist() == [f"{i:04d}.png" for i in range(1, 7)]
        for name in a.namelist():
            assert a.read(name) == b.read(name)
    pdf = b"".join(iter_chunks_forked("pdf", 6, render, workers=2))
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == 6


def test_zip_holds_one_300_dpi_png_per_poster():
    out = io.BytesIO()
    write_batch("zip", pages(3, "sticker"), out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["0001.png", "0002.png", "0003.png"]
        img = Image.open(io.BytesIO(archive.read("0002.png")))
        assert img.format == "PNG" and img.size == (1181, 1181)
        assert img.info["dpi"] == pytest.approx((300, 300), abs=0.1)


def test_png_is_for_exactly_one_poster():
    out = io.BytesIO()
    write_batch("png", pages(1), out)
    assert Image.open(io.BytesIO(out.getvalue())).size == (2480, 3508)
    with pytest.raises(ValueError, match="one poster"):
        write_batch("png", pages(2), io.BytesIO())
    with pytest.raises(ValueError, match="unknown format"):
        write_batch("tiff", pages(1), io.BytesIO())

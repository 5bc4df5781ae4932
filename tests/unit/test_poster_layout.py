"""Poster layouts: physical size, margins that stay blank, long names, logos, templates."""

from __future__ import annotations

import math
from datetime import date

import pytest
from PIL import Image

from qr.poster import SIZES, PosterContent, PosterRenderer, load_logo
from qr.poster_layouts import NAVY, WHITE, PortraitLayout, mm, phone_lines
from qr.textfit import ELLIPSIS, TextSpec, fit_stack, font

LONG_UNIT = (
    "Bidang Pelayanan Perizinan dan Non Perizinan Sektor Ekonomi, Kesejahteraan Rakyat, "
    "Infrastruktur dan Wilayah Terpadu III"
)
LONG_AGENCY = "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Provinsi Kalimantan Selatan"
LONG_SERVICE = "Pengambilan Dokumen Perizinan Berusaha Berbasis Risiko dan Konsultasi Teknis"

# Numbers as a regional admin might write them in the routing file, the longest plausible.
WHATSAPP = "0811-5000-1708"
SMS = "0811-5000-1709"
LONG_WHATSAPP = "+62 811 5000 1708 / +62 811 5000 1799"
LONG_SMS = "+62 (0511) 3300-1709 ext. 12345"

# Outer margins each layout promises to keep blank, in mm (printers cannot print there).
MARGINS = {"a4": 12, "a5": 12 * 148 / 210, "a6-tent": 6, "sticker": 5}


def content(**overrides) -> PosterContent:
    values = {
        "agency_name": "RSUD Ulin Banjarmasin",
        "unit_name": "Poli Umum",
        "service_name": "Pendaftaran Pasien",
        "qr_url": "HTTPS://ADUAN.EXAMPLE.GO.ID/Q/RSUD-ULIN.POLI-UMUM.PENDAFTARAN.K1.7QX3M4ZB2KD6WQAE",
        "short_code": "K7Q-3MZ",
        "short_url": "aduan.example.go.id/k/K7Q-3MZ",
        "followup_days": 14,
        "poster_id": "12-3",
        "printed_on": date(2026, 11, 22),
    }
    values.update(overrides)
    return PosterContent(**values)


def blank(img: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """Every pixel of the box is the paper colour."""
    return all(band == (255, 255) for band in img.crop(box).getextrema())


def test_unit_name_in_fixture_is_120_characters():
    assert len(LONG_UNIT) == 120


@pytest.mark.parametrize("size_id", list(SIZES))
def test_page_has_the_physical_size_at_300_dpi(size_id):
    size = SIZES[size_id]
    img = PosterRenderer(size_id).render(content()).to_image()
    assert img.size == (round(size.width_mm / 25.4 * 300), round(size.height_mm / 25.4 * 300))
    assert img.mode == "RGB"


PHONES = {
    "none": {},
    "whatsapp": {"whatsapp": WHATSAPP},
    "sms-only": {"sms": SMS},
    "both": {"whatsapp": WHATSAPP, "sms": SMS},
    "both-long": {"whatsapp": LONG_WHATSAPP, "sms": LONG_SMS},
}


@pytest.mark.parametrize("phones", list(PHONES))
@pytest.mark.parametrize("size_id", list(SIZES))
def test_long_names_never_leave_the_margins(size_id, phones):
    page = PosterRenderer(size_id).render(
        content(
            agency_name=LONG_AGENCY,
            unit_name=LONG_UNIT,
            service_name=LONG_SERVICE,
            **PHONES[phones],
        )
    )
    img = page.to_image()
    w, h = img.size
    m = math.floor(MARGINS[size_id] / 25.4 * 300)  # the whole pixels inside the margin
    for strip in ((0, 0, w, m), (0, h - m, w, h), (0, 0, m, h), (w - m, 0, w, h)):
        assert blank(img, strip), f"ink in the margin {strip} of {size_id}"
    if size_id == "a6-tent":
        # Nothing but the dashed fold line may sit between the two faces.
        assert blank(img, (0, mm(99.5), w, mm(103.5)))
        assert blank(img, (0, mm(106.5), w, mm(110.5)))
    for layer in page.layers:  # and no patch pokes out of the page
        assert layer.x >= 0 and layer.y >= 0
        assert layer.x + layer.image.width <= w and layer.y + layer.image.height <= h


def test_long_names_wrap_inside_the_band_of_an_a4():
    layout = PortraitLayout(210, 297)
    page = PosterRenderer("a4").render(content(unit_name=LONG_UNIT, agency_name=LONG_AGENCY))
    img = page.to_image()
    _, top, right, bottom = layout.names_box(has_logo=False)
    # White text reaches the right end of its box (it wraps at the box, not earlier) ...
    assert img.crop((right - mm(25), top, right, bottom)).convert("L").getextrema()[1] > 200
    # ... and the band's padding right of the box is untouched navy.
    pad = (right + 2, top, layout.px(198) - layout.px(4), bottom)
    assert img.crop(pad).getcolors(1) == [((pad[2] - pad[0]) * (pad[3] - pad[1]), NAVY)]


def test_a_120_character_unit_name_wraps_without_being_cut():
    layout = PortraitLayout(210, 297)
    left, top, right, bottom = layout.names_box(has_logo=False)
    agency, unit = fit_stack(
        [
            TextSpec("RSUD Ulin Banjarmasin", "bold", layout.fs(30), layout.fs(15), 2),
            TextSpec(LONG_UNIT, "regular", layout.fs(24), layout.fs(12), 3),
        ],
        right - left,
        bottom - top,
        gap=layout.px(1.5),
    )
    assert not unit.truncated and " ".join(unit.lines) == LONG_UNIT
    assert 2 <= len(unit.lines) <= 3
    assert all(unit.font.getlength(line) <= right - left for line in unit.lines)
    assert agency.height + unit.height + layout.px(1.5) <= bottom - top


def test_text_that_cannot_fit_is_cut_with_an_ellipsis_inside_the_box():
    word = "X" * 400  # no space to wrap at
    fitted = fit_stack([TextSpec(word, "bold", 60, 30, 2)], 500, 200)[0]
    assert fitted.truncated and fitted.lines[-1].endswith(ELLIPSIS)
    assert len(fitted.lines) <= 2 and fitted.height <= 200
    assert all(font("bold", fitted.size).getlength(line) <= 500 for line in fitted.lines)


def test_text_shrinks_before_it_is_cut():
    fitted = fit_stack([TextSpec("Pendaftaran Pasien Rawat Jalan", "bold", 90, 30, 1)], 900, 200)
    assert fitted[0].lines == ("Pendaftaran Pasien Rawat Jalan",)
    assert 30 <= fitted[0].size < 90


def test_logo_is_drawn_when_it_loads(tmp_path):
    path = tmp_path / "logo.png"
    Image.new("RGB", (300, 200), (0, 160, 60)).save(path)
    logo, problem = load_logo(path)
    assert problem is None and logo is not None
    img = PosterRenderer("a4").render(content(logo=logo)).to_image()
    tile = img.crop(tuple(mm(v) for v in (20, 25, 48, 43)))
    assert (0, 160, 60) in {color for _, color in tile.getcolors(10_000)}


def test_missing_or_broken_logo_is_reported_not_fatal(tmp_path):
    logo, problem = load_logo(tmp_path / "nowhere.png")
    assert logo is None and problem.reason == "missing"
    fake = tmp_path / "logo.png"
    fake.write_text("this is not a picture")
    logo, problem = load_logo(fake)
    assert logo is None and problem.reason == "not-an-image"
    # the poster is made without it
    assert PosterRenderer("a4").render(content(logo=None)).to_image().size == (2480, 3508)


def test_template_is_shared_between_posters_of_a_batch():
    renderer = PosterRenderer("a4")
    first = renderer.render(content(poster_id="1-1"))
    second = renderer.render(content(poster_id="1-2", service_name="Pemeriksaan"))
    assert first.layers[0].key == second.layers[0].key
    assert first.layers[0].image is second.layers[0].image
    other = renderer.render(content(followup_days=7))
    assert other.layers[0].key != first.layers[0].key  # the promise is in the template


def test_tent_faces_are_printed_both_ways_up():
    img = PosterRenderer("a6-tent").render(content()).to_image()
    lower = img.crop((0, img.height // 2, img.width, img.height))
    upper = img.crop((0, 0, img.width, img.height // 2)).rotate(180)
    # Same face, once turned: the band (navy) is next to the fold on both halves.
    assert lower.getpixel((mm(70), mm(15))) == NAVY
    assert upper.getpixel((mm(70), mm(15))) == NAVY
    assert img.getpixel((img.width // 2, mm(3))) == WHITE


def phone_patches(page) -> list[tuple]:
    """The text patches of a page that print the WhatsApp/SMS lines, by their keys."""
    found = []
    for layer in page.layers:
        key = layer.key[1] if layer.key and layer.key[0] == "turned" else layer.key
        if key and key[0] == "text" and any(s.text.startswith(("Scan QR", "SMS:")) for s in key[2]):
            found.append(key)
    return found


def test_phone_lines_say_the_code_and_the_numbers_as_written():
    c = content(whatsapp=WHATSAPP, sms=SMS)
    assert phone_lines(c) == (
        "Scan QR, atau kirim kode K7Q-3MZ ke WhatsApp 0811-5000-1708",
        "SMS: LAPOR K7Q3MZ <isi laporan> ke 0811-5000-1709",
    )
    assert phone_lines(content(sms=SMS)) == ("SMS: LAPOR K7Q3MZ <isi laporan> ke 0811-5000-1709",)
    assert phone_lines(content()) == ()


@pytest.mark.parametrize("phones", ["whatsapp", "both", "both-long"])
@pytest.mark.parametrize("size_id", list(SIZES))
def test_phone_lines_are_printed_whole_inside_their_box(size_id, phones):
    c = content(agency_name=LONG_AGENCY, unit_name=LONG_UNIT, **PHONES[phones])
    page = PosterRenderer(size_id).render(c)
    keys = phone_patches(page)
    assert len(keys) == (2 if size_id == "a6-tent" else 1)  # the tent has two faces
    for _, box, specs, _bg, gap, _align, _valign in keys:
        assert tuple(s.text for s in specs) == phone_lines(c)
        fitted = fit_stack(specs, box[2] - box[0], box[3] - box[1], gap)
        # Never cut: the number and the code are what the citizen types.
        assert not any(f.truncated for f in fitted), [f.lines for f in fitted]
        assert sum(f.height for f in fitted) + gap * (len(fitted) - 1) <= box[3] - box[1]
        assert all(f.font.getlength(line) <= box[2] - box[0] for f in fitted for line in f.lines)
        assert min(f.size for f in fitted) >= min(s.min_size for s in specs)


@pytest.mark.parametrize("size_id", list(SIZES))
def test_phone_lines_overlap_no_other_element(size_id):
    page = PosterRenderer(size_id).render(
        content(agency_name=LONG_AGENCY, unit_name=LONG_UNIT, whatsapp=LONG_WHATSAPP, sms=LONG_SMS)
    )
    layers = page.layers[1:]
    phone = [
        layer
        for layer in layers
        if any(layer.key == k or layer.key == ("turned", k) for k in phone_patches(page))
    ]
    assert phone

    def rect(layer):
        return layer.x, layer.y, layer.x + layer.image.width, layer.y + layer.image.height

    for p in phone:
        px0, py0, px1, py1 = rect(p)
        for other in layers:
            if other in phone:
                continue
            ox0, oy0, ox1, oy1 = rect(other)
            assert px1 <= ox0 or ox1 <= px0 or py1 <= oy0 or oy1 <= py0, (size_id, rect(other))
        # and the template under the lines is blank paper: nothing static is printed over
        template = page.layers[0].image
        assert blank(template, rect(p)), f"{size_id}: the phone lines cover the template"


@pytest.mark.parametrize("size_id", list(SIZES))
def test_posters_without_phone_lines_keep_their_template_and_patches(size_id):
    plain = PosterRenderer(size_id).render(content())
    assert plain.layers[0].key == ("template", size_id, None, 14)
    assert phone_patches(plain) == []
    # and a region with a number gets its own template (a mixed batch keeps both apart)
    renderer = PosterRenderer(size_id)
    with_phone = renderer.render(content(whatsapp=WHATSAPP))
    again = renderer.render(content())
    assert with_phone.layers[0].key != again.layers[0].key == plain.layers[0].key
    assert again.to_image().tobytes() == plain.to_image().tobytes()

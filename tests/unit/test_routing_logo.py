"""A region's `logo:` names a file of the `logo/` folder next to the routing file, and
nothing else: `routing check` says which line is wrong, and the poster printer never reads
outside the folder (devices, ../, absolute paths, symlinks out), nor an oversized file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from portal.posters.content import load_region_logos
from portal.routing.cli import routing_cli
from portal.routing.loader import load_router
from qr.poster import LOGO_MAX_BYTES, load_logo

DEMO = Path(__file__).resolve().parents[2] / "routing_rules.yaml"


def _routing_with_logo(folder: Path, logo: str) -> tuple[Path, int]:
    """The demo file with a logo for Kalsel, in `folder`; and the line of `logo:`."""
    text = DEMO.read_text(encoding="utf-8")
    marked = text.replace("    prefix: KSL\n", f"    prefix: KSL\n    logo: '{logo}'\n", 1)
    assert marked != text
    path = folder / "routing_rules.yaml"
    path.write_text(marked, encoding="utf-8")
    line = marked.split("\n").index(f"    logo: '{logo}'") + 1
    return path, line


def _check(path: Path):
    return CliRunner().invoke(routing_cli, ["check", str(path)])


def _png(path: Path, size=(40, 30)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (10, 80, 160)).save(path, "PNG")


@pytest.mark.parametrize(
    "logo",
    ["/dev/zero", "../../etc/passwd", "/etc/passwd", "logo/../../etc/passwd", "C:\\logo.png"],
)
def test_check_refuses_a_logo_path_outside_the_folder_with_its_line(tmp_path, logo):
    path, line = _routing_with_logo(tmp_path, logo)
    result = _check(path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:{line}: logo of region 'kalsel' must ")
    assert "logo/kalsel.png" in result.stderr


def test_check_refuses_a_non_image_suffix(tmp_path):
    path, line = _routing_with_logo(tmp_path, "logo/kalsel.svg")
    result = _check(path)
    assert result.exit_code == 1 and f"{path}:{line}: " in result.stderr
    assert "PNG, JPEG or WebP" in result.stderr


def test_check_accepts_a_logo_in_the_folder(tmp_path):
    _png(tmp_path / "logo" / "kalsel.png")
    path, _line = _routing_with_logo(tmp_path, "logo/kalsel.png")
    result = _check(path)
    assert result.exit_code == 0, result.stderr
    router = load_router(path)
    logos = load_region_logos(router, router.regions)
    assert set(logos.images) == {"kalsel"} and logos.problems == {}


def _file_problem(tmp_path: Path, make) -> tuple[str, str]:
    (tmp_path / "logo").mkdir(exist_ok=True)
    make(tmp_path / "logo" / "kalsel.png")
    path, line = _routing_with_logo(tmp_path, "logo/kalsel.png")
    result = _check(path)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"{path}:{line}: logo 'logo/kalsel.png' of region 'kalsel' ")
    router = load_router(path)
    problem = load_region_logos(router, router.regions).problems["kalsel"]
    return result.stderr, problem.reason


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "secret.png"
    _png(outside)  # a real image, but not in the logo folder
    message, reason = _file_problem(tmp_path, lambda p: p.symlink_to(outside))
    assert "outside the logo/ folder" in message and reason == "outside-folder"


def test_a_symlink_to_a_device_is_refused_without_reading_it(tmp_path):
    message, reason = _file_problem(tmp_path, lambda p: p.symlink_to("/dev/zero"))
    assert reason == "outside-folder" and "outside the logo/ folder" in message


def test_a_device_inside_the_folder_is_not_read(tmp_path):
    fifo = tmp_path / "logo" / "pipe.png"
    fifo.parent.mkdir()
    os.mkfifo(fifo)  # reading it would block forever
    logo, problem = load_logo(fifo, tmp_path / "logo")
    assert logo is None and problem.reason == "not-an-image"
    assert problem.detail == "not a regular file"


def test_an_oversized_logo_is_refused(tmp_path):
    def big(p: Path) -> None:
        p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * LOGO_MAX_BYTES)

    message, reason = _file_problem(tmp_path, big)
    assert reason == "too-large" and "too large" in message


def test_a_logo_with_too_many_pixels_is_refused(tmp_path):
    message, reason = _file_problem(tmp_path, lambda p: _png(p, size=(5000, 4000)))
    assert reason == "too-large" and "4096 x 4096 pixels" in message


def test_a_non_image_is_refused(tmp_path):
    message, reason = _file_problem(tmp_path, lambda p: p.write_text("not a picture"))
    assert reason == "not-an-image" and "not a readable image" in message


def test_a_missing_logo_is_reported(tmp_path):
    message, reason = _file_problem(tmp_path, lambda p: None)
    assert reason == "missing" and "is missing" in message

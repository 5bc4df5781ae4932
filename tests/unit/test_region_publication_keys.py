"""The routing file's publication switches and box of a region: `public_text`,
`public_photos` (both off unless written) and `bounds` (south/west/north/east degrees)."""

from __future__ import annotations

import textwrap

import pytest

from portal.routing.loader import compile_text
from portal.routing.model import Bounds, RoutingFileError
from tests.unit.test_routing_errors import BASE, issues_of, line_with

REGION_LINE = "    timezone: Asia/Makassar\n"


def with_region_keys(extra: str) -> str:
    """BASE with `extra` (region-level YAML, 4-space indented) after the timezone line."""
    return BASE.replace(REGION_LINE, REGION_LINE + textwrap.indent(textwrap.dedent(extra), "    "))


def test_publication_is_off_and_unbounded_unless_written():
    region = compile_text(BASE).region("kalsel")
    assert (region.public_text, region.public_photos, region.bounds) == (False, False, None)


def test_switches_and_bounds_as_written():
    text = with_region_keys(
        """\
        public_text: true
        public_photos: true
        bounds: {south: -4.2, west: 114.3, north: -1.3, east: 116.6}
        """
    )
    region = compile_text(text).region("kalsel")
    assert region.public_text is True and region.public_photos is True
    assert region.bounds == Bounds(south=-4.2, west=114.3, north=-1.3, east=116.6)
    assert region.bounds.contains(-3.32, 114.59)
    assert not region.bounds.contains(-6.2, 106.8)  # Jakarta


@pytest.mark.parametrize("value", ["yes", "1", "'true'", "[true]"])
def test_a_switch_must_be_true_or_false(value):
    # `yes` included: YAML 1.2 reads it as a string, and an admin must be told so.
    text = with_region_keys(f"public_text: {value}\n")
    found = issues_of(text)
    assert [line for line, _ in found] == [line_with(text, "public_text")]
    assert "'public_text' of region 'kalsel' must be true or false" in found[0][1]


@pytest.mark.parametrize(
    ("box", "needle"),
    [
        ("{south: -4.2, west: 114.3, north: -1.3}", "missing required key 'east'"),
        ("{south: -4.2, west: 114.3, north: -1.3, east: 200}", "'east' in 'bounds'"),
        ("{south: x, west: 114.3, north: -1.3, east: 116.6}", "'south' in 'bounds'"),
        ("{south: true, west: 114.3, north: -1.3, east: 116.6}", "'south' in 'bounds'"),
        ("{south: -1.3, west: 114.3, north: -4.2, east: 116.6}", "south must be below north"),
        ("{south: -4.2, west: 116.6, north: -1.3, east: 114.3}", "south must be below north"),
        ("{south: -4.2, west: 114.3, north: -1.3, east: 116.6, up: 3}", "unknown key 'up'"),
        ("[-4.2, 114.3, -1.3, 116.6]", "'bounds' of region 'kalsel' must be a mapping"),
    ],
)
def test_bad_bounds_are_named_on_their_line(box, needle):
    text = with_region_keys(f"bounds: {box}\n")
    found = issues_of(text)
    assert len(found) == 1, found
    line, message = found[0]
    assert needle in message
    assert line == line_with(text, "bounds")


def test_a_broken_region_key_never_compiles():
    with pytest.raises(RoutingFileError):
        compile_text(with_region_keys("public_photos: maybe\n"))

"""The libyaml fast path reads routing files exactly as the ruamel round-trip path does."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.routing import fastyaml, loader
from portal.routing.loader import MAX_ALIAS_NODES, compile_text, parse_yaml
from portal.routing.model import CLASSIFICATIONS, RoutingFileError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from routing import generate  # noqa: E402

DEMO = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(not fastyaml.AVAILABLE, reason="PyYAML without libyaml")


def slow_compile(text: str, filename: str = "routing_rules.yaml"):
    """compile_text as it was: ruamel only."""
    with mock.patch.object(loader, "parse_fast", parse_yaml):
        return compile_text(text, filename)


def same_tree(fast, slow, path="doc"):
    """Same values, same types as the validator sees them, same line/column data."""
    assert isinstance(fast, dict) == isinstance(slow, dict), path
    assert isinstance(fast, list) == isinstance(slow, list), path
    if isinstance(slow, dict):
        assert (fast.lc.line, fast.lc.col) == (slow.lc.line, slow.lc.col), path
        assert list(fast) == list(slow), path
        for key in slow:
            assert fast.lc.key(key) == slow.lc.key(key), f"{path}.{key}"
            if slow[key] is not None:  # an empty value's position differs; it is never used
                assert fast.lc.value(key) == slow.lc.value(key), f"{path}.{key}"
            same_tree(fast[key], slow[key], f"{path}.{key}")
    elif isinstance(slow, list):
        assert (fast.lc.line, fast.lc.col) == (slow.lc.line, slow.lc.col), path
        assert len(fast) == len(slow), path
        for index, item in enumerate(slow):
            assert fast.lc.item(index) == slow.lc.item(index), f"{path}[{index}]"
            same_tree(fast[index], item, f"{path}[{index}]")
    else:
        for cls in (bool, int, float, str, type(None)):
            assert isinstance(fast, cls) == isinstance(slow, cls), path
        assert fast == slow, path
        assert repr(fast) == repr(slow), path


def same_router(text: str) -> None:
    fast, slow = compile_text(text), slow_compile(text)
    categories = [c["id"] for c in parse_yaml(text, "x")["categories"]]
    assert fast.version == slow.version
    assert fast.summary() == slow.summary()
    fast_points, slow_points = list(fast.service_points()), list(slow.service_points())
    assert fast_points == slow_points
    for point in slow_points[:: max(1, len(slow_points) // 200)]:
        ids = (point.agency.id, point.unit.id, point.service.id)
        for classification in CLASSIFICATIONS:
            for category in (None, *categories):
                for supervised in (False, True):
                    kw = {"category": category, "supervised": supervised}
                    assert fast.route(*ids, classification, **kw) == slow.route(
                        *ids, classification, **kw
                    )
        assert fast.by_short_code(point.short_code) == slow.by_short_code(point.short_code)


def test_demo_file_compiles_the_same_both_ways():
    same_tree(fastyaml.load(DEMO, MAX_ALIAS_NODES), parse_yaml(DEMO, "x"))
    same_router(DEMO)


def test_generated_file_compiles_the_same_both_ways():
    text = generate(0.02)
    same_tree(fastyaml.load(text, MAX_ALIAS_NODES), parse_yaml(text, "x"))
    same_router(text)


def test_windows_line_ends_and_bom_give_the_same_lines():
    text = "\ufeff" + DEMO.replace("\n", "\r\n")
    same_tree(fastyaml.load(text, MAX_ALIAS_NODES), parse_yaml(text, "x"))


SCALARS = """\
a: [1, 010, 0o10, 0x1F, 1_000, -3, +4, 1.5, 1e3, .inf, -.Inf, .nan, 2.]
b: [true, True, false, yes, no, on, off, y, n]
c: [null, ~, Null, 2025-02-30, 2025-01-01 10:00:00, 2025-01-01T10:00:00Z]
d: ["1", '2', "yes"]
e: {empty: , 2: one, 1.5: float, true: bool, null: none, 2025-01-01: date}
f: &anchor {x: 1}
g: *anchor
h: &s scalar
i: *s
"""


def test_scalars_resolve_as_in_yaml_1_2_round_trip():
    slow = parse_yaml(SCALARS, "x")
    fast = fastyaml.load(SCALARS, MAX_ALIAS_NODES)
    # .nan != .nan: compare its text instead
    assert repr(fast["a"].pop(11)) == repr(slow["a"].pop(11)) == "nan"
    same_tree(fast, slow)
    assert fast["g"] is fast["f"]


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 5\n",
        "a: !custom x\n",
        "%YAML 1.1\n---\na: yes\n",
        "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
        "a: 1\na: 2\n",
        "a: &x [*x]\n",
        "? [a]\n: b\n",
        "a: [\n",
        "a: 1\n---\nb: 2\n",
        "a: *nowhere\n",
        "[" * 300 + "]" * 300 + "\n",
        "a: 1\u2028b: 2\n",
        "&0?0\n",
        "a: >#\n  x\n",
        "a: |\n  text\n",
        ">\n#\n",
        "a: 0\t\n",
        "a: &x?y 1\nb: *x?y\n",
    ],
)
def test_unusual_yaml_is_left_to_ruamel(text):
    with pytest.raises(fastyaml.Unsupported):
        fastyaml.load(text, MAX_ALIAS_NODES)


def test_deep_nesting_does_not_crash_the_process():
    with pytest.raises(fastyaml.Unsupported):
        fastyaml.load("[" * 200_000, MAX_ALIAS_NODES)


BOMB = 'a: &a ["l","l","l","l","l","l","l","l","l"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)


@pytest.mark.parametrize(
    "text",
    [
        DEMO.replace("version: 1\n", "version: 1\nversion: 1\n", 1),
        DEMO + "  - [\n",
        DEMO + "extra: {\n",
        "version: 1\nregions: [\n",
        "a: &x [*x]\n",
        BOMB,
        "base: &b {id: x}\nversion: 1\ncategories: []\nregions:\n  - <<: *b\n    name: y\n",
        "version: 1\ncategories: []\nregions: []\nholidays: [{date: 2025-02-30, name: x}]\n",
        "version: yes\ncategories: []\nregions: [1]\n",
        "version: 1\ncategories: [{id: 1e3, name: x}]\nregions: [{id: r, agencies: 0o10}]\n",
        textwrap.dedent(
            """\
            version: 1
            categories: [{id: a, name: A}]
            regions:
              - id: r
                name: R
                prefix: KS
                timezone: Asia/Jakarta
                clocks: {respond: 1.5, resolve: 0x10, frobnicate: 2}
                agencies: [{id: a, name: A, units: [{id: u, name: U, services: [{id: s}]}]}]
            """
        ),
    ],
)
def test_errors_are_the_same_both_ways(text):
    with pytest.raises(RoutingFileError) as fast:
        compile_text(text, "t.yaml")
    with pytest.raises(RoutingFileError) as slow:
        slow_compile(text, "t.yaml")
    assert fast.value.issues == slow.value.issues


YAMLISH = st.text(
    alphabet=st.sampled_from(list("abcdeiv:-[]{}&*!|>#'\"\n\t ,.0123456789?%~<\\/x")),
    max_size=120,
)
MUTATIONS = st.tuples(st.integers(0, len(DEMO) - 1), YAMLISH)


def agree(text: str) -> None:
    """Whatever the fast path accepts, ruamel accepts too and reads the same way."""
    try:
        fast = fastyaml.load(text, MAX_ALIAS_NODES)
    except fastyaml.Unsupported:
        return
    same_tree(fast, parse_yaml(text, "x"))


@settings(max_examples=300, deadline=None)
@given(YAMLISH)
def test_fast_path_agrees_with_ruamel_on_random_text(text):
    agree(text)


@settings(max_examples=100, deadline=None)
@given(MUTATIONS)
def test_fast_path_agrees_with_ruamel_on_mangled_files(mutation):
    position, junk = mutation
    agree(DEMO[:position] + junk + DEMO[position:])

"""Property tests: the loader never crashes on arbitrary text, and an edit that does not
compile is never stored (the active version stays)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.routing.loader import compile_text
from portal.routing.model import RoutingFileError
from portal.routing_admin.editing import Base, check_edit

DEMO = (Path(__file__).resolve().parents[2] / "routing_rules.yaml").read_text(encoding="utf-8")
YAMLISH = st.text(
    alphabet=st.sampled_from(list("abcdeiv:-[]{}&*!|>#'\"\n\t ,.0123456789")), max_size=200
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), YAMLISH))
def test_loader_never_crashes(text):
    try:
        compile_text(text, "x.yaml")
    except RoutingFileError as exc:
        assert exc.issues and all(issue.line >= 0 for issue in exc.issues)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0, len(DEMO) - 1), junk=YAMLISH)
def test_a_mangled_file_is_never_accepted_as_valid_unless_it_compiles(position, junk):
    base = Base(1, DEMO, compile_text(DEMO))
    mangled = DEMO[:position] + junk + DEMO[position:]
    check = check_edit(base, mangled)
    if check.ok:
        compile_text(check.whole)  # whatever passes the check really compiles
    else:
        assert check.issues and check.router is None

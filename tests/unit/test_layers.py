"""The layers point one way, read from the source with `ast` (nothing here is imported).

- No import cycle between portal's feature packages (portal.cases, portal.national, …;
  a top-level module such as portal/timeutil.py is a node of its own). Every import
  counts, including those inside functions and under TYPE_CHECKING and
  `import_module("…")` calls: a function-level import is how a cycle hides, since nothing
  breaks until someone moves it to the top.
- qr/ is the pure QR library (payload, render, posters): the app uses it, never the
  other way round, so it imports nothing from portal or Flask.
- The pure domain modules in PURE_DOMAIN import nothing from Flask or portal.extensions,
  so they run and are tested without an app.
- forms/ holds forms: from portal it imports only what FORMS_MAY_IMPORT names.

A failure lists every offending import as file:line with the statement, so the message
says what to move.
"""

from __future__ import annotations

import ast
import itertools
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "qr", "forms")

# Files (or globs, which must match at least one file) that must run without Flask or the
# database. Add a module here when it becomes pure; a listed file that is missing fails.
PURE_DOMAIN: tuple[str, ...] = (
    "portal/routing/engine.py",
    "portal/routing/model.py",
    "portal/routing/search.py",
    "portal/routing/validate.py",
    "portal/routing_admin/consent.py",
    "portal/routing_admin/promises.py",
    "portal/clocks/*.py",
    "qr/payload.py",
    "qr/shortcode.py",
    "portal/cases/transitions.py",
    "portal/complaints/status.py",
    "portal/complaints/pins.py",
    "portal/accounts/management.py",
    "portal/accounts/notices.py",
    "portal/accounts/totp.py",
    "portal/accounts/recovery.py",
    "portal/audit/actions.py",
    "portal/audit/append_only.py",
    "portal/complaints/previews.py",
    "portal/intake/report.py",
    "portal/plain_text.py",
    "portal/abuse/hashing.py",
    "portal/phone_numbers.py",
    "portal/messaging/sms_parts.py",
    "portal/messaging/choice.py",
    "portal/chat/dialogue.py",
    "portal/chat/parsing.py",
    "portal/cases/message_state.py",
    "portal/open311/intake_form.py",
    "portal/open311/media_fetch.py",
)
FORBIDDEN_IN_PURE = ("flask", "flask_*", "portal.extensions")
FORBIDDEN_IN_QR = ("portal", "flask", "flask_*")

# What a form genuinely needs from portal, and why; anything else belongs in the view or
# the feature package, which hands the form what it shows.
FORMS_MAY_IMPORT: dict[str, str] = {
    "portal.intake.report": "the report form validates with NewReport.problems(), the "
    "rule every channel shares, and builds the NewReport",
    "portal.messaging.choice": "the report form stores how the citizen is told, by the "
    "default every channel shares when they did not choose",
    "portal.complaints.labels": "the status and classification labels the choices show",
    "portal.clocks.plausible": "the queue's date filters refuse years no case can have",
    "portal.staff.queue": "the filter form reads the URL into the queue's plain QueueFilters "
    "and offers only the choices of its QueueScope",
}


@dataclass(frozen=True)
class Import:
    """One import statement (or import_module call) and the module it loads."""

    path: Path
    line: int
    target: str
    code: str
    where: str  # "" at module level, else e.g. "inside def send()"

    @property
    def site(self) -> str:
        place = f"  ({self.where})" if self.where else ""
        return f"{self.path.relative_to(ROOT)}:{self.line}  {self.code}{place}"


# --- reading the source --------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _files(package: str) -> tuple[Path, ...]:
    found = tuple(sorted((ROOT / package).rglob("*.py")))
    assert found, f"no Python files under {package}/: did the package move?"
    return found


@cache
def _known_modules() -> frozenset[str]:
    return frozenset(_module_name(p) for package in PACKAGES for p in _files(package))


def _one_line(source: str, node: ast.AST) -> str:
    text = " ".join((ast.get_source_segment(source, node) or "").split())
    text = text.replace("( ", "(").replace(", )", ")")
    return text if len(text) <= 100 else text[:99] + "…"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(self, path: Path, source: str):
        self.path, self.source = path, source
        module = _module_name(path)
        self.package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        self.context: list[str] = []
        self.found: dict[tuple[int, str], Import] = {}

    def _add(self, node: ast.AST, target: str) -> None:
        where = self.context[-1] if self.context else ""
        code = _one_line(self.source, node)
        self.found.setdefault(
            (node.lineno, target), Import(self.path, node.lineno, target, code, where)
        )

    def _visit_scope(self, node: ast.AST, label: str) -> None:
        self.context.append(label)
        self.generic_visit(node)
        self.context.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._visit_scope(node, f"inside def {node.name}()")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.context.append("under TYPE_CHECKING")
        for child in node.body:
            self.visit(child)
        self.context.pop()
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, node.module] if node.module else parts)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"  # `from portal.complaints import intake`
            self._add(node, submodule if submodule in _known_modules() else base)

    def visit_Call(self, node: ast.Call) -> None:
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if (
            name in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            self._add(node, node.args[0].value)
        self.generic_visit(node)


@cache
def imports_of(path: Path) -> tuple[Import, ...]:
    """Every import in the file, wherever it sits, sorted by line."""
    source = path.read_text(encoding="utf-8")
    collector = _Collector(path, source)
    collector.visit(ast.parse(source, filename=str(path)))
    return tuple(sorted(collector.found.values(), key=lambda i: (i.line, i.target)))


def _matches(target: str, patterns: Iterable[str]) -> bool:
    """`flask` covers flask.cli; `flask_*` covers flask_babel and flask_wtf.file."""
    top = target.split(".")[0]
    for pattern in patterns:
        if pattern.endswith("*"):
            if top.startswith(pattern[:-1]):
                return True
        elif target == pattern or target.startswith(pattern + "."):
            return True
    return False


def _listing(found: Iterable[Import]) -> str:
    return "\n".join(f"  {i.site}" for i in found)


# --- 1. no cycle between portal's feature packages -----------------------------------------


def feature_of(module: str) -> str:
    """portal.cases.services -> portal.cases; portal.timeutil and portal stay themselves."""
    return ".".join(module.split(".")[:2])


def feature_graph() -> dict[str, dict[str, list[Import]]]:
    """package -> package it imports -> the imports behind that arrow."""
    graph: dict[str, dict[str, list[Import]]] = {}
    for path in _files("portal"):
        source = feature_of(_module_name(path))
        graph.setdefault(source, {})
        for found in imports_of(path):
            if not _matches(found.target, ["portal"]):
                continue
            target = feature_of(found.target)
            if target != source:
                graph[source].setdefault(target, []).append(found)
    return graph


def _tangles(graph: dict[str, dict[str, list[Import]]]) -> list[set[str]]:
    """The strongly connected groups of two or more packages (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, {})):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _shortest_path(graph, start: str, goal: str, within: set[str]) -> list[str]:
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for nxt in sorted(graph.get(node, {})):
            if nxt in within and nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"{goal} is not reachable from {start}")  # cannot happen in a group


def import_cycles(graph: dict[str, dict[str, list[Import]]]) -> list[tuple[str, ...]]:
    """For every arrow inside a tangle, the shortest cycle through it (a, b, …, a).

    Every import that takes part in a cycle is then shown in at least one of them, without
    listing the (possibly very many) longer detours through the same arrows.
    """
    cycles: set[tuple[str, ...]] = set()
    for group in _tangles(graph):
        for source in sorted(group):
            for target in sorted(set(graph[source]) & group):
                loop = [source, *_shortest_path(graph, target, source, group)][:-1]
                turn = loop.index(min(loop))  # one spelling per cycle: start at the smallest
                loop = loop[turn:] + loop[:turn]
                cycles.add((*loop, loop[0]))
    return sorted(cycles, key=lambda c: (len(c), c))


def _sites_by_file(found: Iterable[Import]) -> str:
    """portal/a.py:3,9, portal/b.py:4: short enough for one line per arrow."""
    lines: dict[Path, list[str]] = {}
    for i in found:
        lines.setdefault(i.path, []).append(str(i.line))
    return ", ".join(f"{p.relative_to(ROOT)}:{','.join(n)}" for p, n in lines.items())


SHOWN_PER_ARROW = 4  # statements per arrow in the summary; the cycles list every file:line


def describe_cycles(graph, cycles: list[tuple[str, ...]]) -> str:
    """The cycles with the file:line behind each arrow, then every arrow in them with its
    import statements, the arrows in most cycles first: cutting one breaks them all."""
    hops = Counter(pair for cycle in cycles for pair in itertools.pairwise(cycle))
    lines = [
        f"{len(cycles)} import cycle(s) between portal's feature packages (for each arrow "
        "that closes a loop, the shortest loop through it):",
    ]
    for n, cycle in enumerate(cycles, 1):
        lines.append(f"{n:3}. {' -> '.join(cycle)}")
        for source, target in itertools.pairwise(cycle):
            lines.append(f"       {source} -> {target}: {_sites_by_file(graph[source][target])}")
    lines += [
        "",
        "The arrows in those cycles, in most cycles first. Break a cycle by moving the code "
        "behind one of its arrows to the package that owns it, or by turning the call "
        "around (the lower package offers a hook that the higher one registers):",
    ]
    for (source, target), count in sorted(hops.items(), key=lambda h: (-h[1], h[0])):
        behind = graph[source][target]
        lines.append(f"  {source} -> {target}  (in {count} of the {len(cycles)} cycles)")
        lines += [f"      {i.site}" for i in behind[:SHOWN_PER_ARROW]]
        if len(behind) > SHOWN_PER_ARROW:
            lines.append(f"      … and {len(behind) - SHOWN_PER_ARROW} more (listed above)")
    return "\n".join(lines)


def test_no_import_cycle_between_portal_feature_packages():
    graph = feature_graph()
    assert {"portal.cases", "portal.complaints", "portal.routing"} <= set(graph), sorted(graph)
    cycles = import_cycles(graph)
    if cycles:
        pytest.fail(describe_cycles(graph, cycles), pytrace=False)


# --- 2. qr/ is a library, not a part of the app ----------------------------------------------


def test_qr_imports_nothing_from_the_app_or_flask():
    found = [i for p in _files("qr") for i in imports_of(p) if _matches(i.target, FORBIDDEN_IN_QR)]
    if found:
        pytest.fail(
            "qr/ is the pure QR payload/render/poster library: the app imports it, it never "
            "imports the app or Flask. Move these imports, and the code that needs them (a "
            "Flask command, a database look-up), to the app side, e.g. portal/posters/:\n"
            + _listing(found),
            pytrace=False,
        )


# --- 3. the pure domain runs without Flask --------------------------------------------------


def pure_domain_files(entry: str) -> list[Path]:
    """The files an entry of PURE_DOMAIN names; fails when it names none."""
    if any(ch in entry for ch in "*?["):
        matched = sorted(ROOT.glob(entry))
        assert matched, f"PURE_DOMAIN entry {entry!r} matches no file: fix or drop it"
        return matched
    path = ROOT / entry
    assert path.is_file(), f"PURE_DOMAIN lists {entry}, which does not exist: fix or drop it"
    return [path]


def _path_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _reached_from(paths: list[Path]) -> list[Path]:
    """The files and every project module they import, however deep: a pure module that
    imports an impure one is not pure."""
    seen: dict[Path, None] = {}
    todo = list(paths)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen[path] = None
        for found in imports_of(path):
            if _matches(found.target, PACKAGES):
                nxt = _path_of(found.target)
                if nxt is not None:
                    todo.append(nxt)
    return list(seen)


@pytest.mark.parametrize("entry", PURE_DOMAIN)
def test_pure_domain_imports_no_flask_and_no_database(entry):
    found = [
        i
        for path in _reached_from(pure_domain_files(entry))
        for i in imports_of(path)
        if _matches(i.target, FORBIDDEN_IN_PURE)
    ]
    if found:
        pytest.fail(
            f"{entry} is pure domain (PURE_DOMAIN): plain values in, plain values out, no "
            "Flask, no db session. Pass what it needs as arguments, and leave the Flask or "
            "database part to the caller:\n" + _listing(found),
            pytrace=False,
        )


# --- 4. forms/ holds forms ----------------------------------------------------------------


def _forms_imports_from_portal() -> Iterator[Import]:
    for path in _files("forms"):
        yield from (i for i in imports_of(path) if _matches(i.target, ["portal"]))


def test_forms_import_from_portal_only_what_the_allow_list_names():
    found = [i for i in _forms_imports_from_portal() if i.target not in FORMS_MAY_IMPORT]
    if found:
        allowed = ", ".join(FORMS_MAY_IMPORT)
        pytest.fail(
            f"forms/ holds forms only; from portal it may import {allowed} (FORMS_MAY_IMPORT). "
            "Move the logic these imports serve to the feature package (or the view), which "
            "hands the form what it shows and reads what it returns:\n" + _listing(found),
            pytrace=False,
        )


def test_the_forms_allow_list_stays_short_and_true():
    used = {i.target for i in _forms_imports_from_portal()}
    for module in FORMS_MAY_IMPORT:
        assert module in _known_modules(), f"FORMS_MAY_IMPORT names {module}, which is gone"
        assert module in used, f"no form imports {module} any more: drop it from FORMS_MAY_IMPORT"


# --- the checker itself ---------------------------------------------------------------------


def test_the_cycle_finder_reports_each_loop_once_from_its_smallest_package():
    def arrow(source: str) -> list[Import]:
        return [Import(ROOT / "portal" / f"{source}.py", 1, "x", "import x", "")]

    names = {"a": ["b"], "b": ["c", "a"], "c": ["a"], "d": ["a"], "e": []}
    graph = {s: {t: arrow(s) for t in targets} for s, targets in names.items()}
    assert import_cycles(graph) == [("a", "b", "a"), ("a", "b", "c", "a")]
    assert import_cycles({"a": {"b": arrow("a")}, "b": {}}) == []
    assert "1. a -> b -> a" in describe_cycles(graph, import_cycles(graph))


def test_the_reader_sees_imports_inside_functions_and_by_name():
    factory = {(i.target, i.where) for i in imports_of(ROOT / "portal" / "__init__.py")}
    assert ("portal.cases.routes", "inside def configure_blueprints()") in factory  # by name
    form = {i.target for i in imports_of(ROOT / "forms" / "queue.py")}
    assert "portal.complaints.labels" in form  # `from portal.complaints import labels as …`

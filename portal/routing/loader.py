"""Reads routing_rules.yaml into a Router, or fails with every problem and its line.

The file is read with libyaml (portal.routing.fastyaml) into objects that carry the same
line numbers as ruamel.yaml's round-trip mode, which remains the reference: anything the
fast reader does not handle, including every YAML error, is parsed by ruamel as before.
The rest of the portal never sees YAML. The Router's `version` is a hash of the exact text,
so each complaint can record which edit of the file routed it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, SequenceNode

from portal.routing import fastyaml
from portal.routing.engine import Router
from portal.routing.model import RoutingFileError, RoutingIssue
from portal.routing.validate import compile_document
from portal.routing.yaml_dates import DatesAsText

__all__ = ["Router", "compile_text", "decode_routing_bytes", "file_version", "load_router"]

# A national file (38 provinces, 20,000 units, 60,000 services) is about 7 MB; anything far
# beyond that is a mistake or an attack, and refusing it early keeps the parser responsive.
MAX_FILE_BYTES = 16 * 1024 * 1024
# Nodes that aliases (*name) may add on top of what is written: merge keys (<<: *x) need a
# few, a "billion laughs" alias bomb needs billions. Counted while composing, before any
# value is built, so a bomb is refused in milliseconds.
MAX_ALIAS_NODES = 100_000
MAX_TAB_ISSUES = 20
_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)


class _AliasBudgetComposer(Composer):
    """Counts how many nodes aliases would expand to and stops an alias bomb early.

    ruamel shares an aliased node instead of copying it, but the validator (and anything
    that prints a value) walks it as often as it is referenced, so a few lines can stand
    for billions of nodes. Every node's expanded size is known once composed; each alias
    adds the size of what it points at.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._sizes: dict[int, int] = {}
        self._alias_nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            mark = self.parser.peek_event().start_mark
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:
                raise ComposerError(None, None, "an alias refers to itself (recursive)", mark)
            self._alias_nodes += size
            if self._alias_nodes > MAX_ALIAS_NODES:
                raise ComposerError(
                    None,
                    None,
                    "aliases (*name) expand to too many values (a YAML alias bomb?); "
                    "write the values out instead",
                    mark,
                )
            return node
        node = super().compose_node(parent, index)
        if isinstance(node, MappingNode):
            size = 1 + sum(
                self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value
            )
        elif isinstance(node, SequenceNode):
            size = 1 + sum(self._sizes.get(id(item), 1) for item in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        return node


def file_version(text: str) -> str:
    """First 12 hex digits of the SHA-256 of the file text: short enough to show staff."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def parse_yaml(text: str, filename: str) -> Any:
    """The round-trip document, or RoutingFileError pointing at the syntax problem."""
    yaml = YAML(typ="rt")
    yaml.Constructor = DatesAsText
    yaml.Composer = _AliasBudgetComposer
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise RoutingFileError([RoutingIssue(filename, line, f"YAML syntax: {problem}")]) from exc
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise RoutingFileError([RoutingIssue(filename, 1, f"YAML syntax: {exc}")]) from exc


def parse_fast(text: str, filename: str) -> Any:
    """The document as `parse_yaml` would give it (values and line numbers), read with
    libyaml when possible; anything unusual, including every error, goes through ruamel so
    that the messages stay exactly the same."""
    try:
        return fastyaml.load(text, MAX_ALIAS_NODES)
    except fastyaml.Unsupported:
        return parse_yaml(text, filename)


def check_text_shape(text: str, filename: str) -> None:
    """Refuse what YAML would choke on or mis-read before parsing: size and tabs."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise _too_large(filename)
    issues = [
        RoutingIssue(
            filename,
            text.count("\n", 0, match.start()) + 1,
            "tab character in the indentation; use spaces (YAML does not allow tabs there)",
        )
        for match in _TAB_INDENT.finditer(text)
    ]
    if issues:
        raise RoutingFileError(issues[:MAX_TAB_ISSUES])


def _too_large(filename: str) -> RoutingFileError:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    message = f"the file is larger than {limit} MB; it cannot be read"
    return RoutingFileError([RoutingIssue(filename, 1, message)])


def decode_routing_bytes(raw: bytes, filename: str) -> str:
    """UTF-8 text of an uploaded or read file, or RoutingFileError naming the bad line."""
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(filename)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = "not UTF-8 text; save the file as UTF-8"
        raise RoutingFileError([RoutingIssue(filename, line, message)]) from exc


def compile_text(text: str, filename: str = "routing_rules.yaml") -> Router:
    """Parse and validate a whole routing file; RoutingFileError lists every issue."""
    check_text_shape(text, filename)
    with fastyaml.paused_gc():
        data = compile_document(parse_fast(text, filename), filename)
        return Router(data, version=file_version(text), source=filename)


def load_router(path: str | Path) -> Router:
    """Read and compile the routing file at `path` (UTF-8)."""
    filename = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise RoutingFileError([RoutingIssue(filename, 0, "routing file not found")]) from exc
    except OSError as exc:
        message = f"cannot read routing file: {exc.strerror or exc}"
        raise RoutingFileError([RoutingIssue(filename, 0, message)]) from exc
    return compile_text(decode_routing_bytes(raw, filename), filename)

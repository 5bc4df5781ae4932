"""Reads routing_rules.yaml into a Router, or fails with every problem and its line.

The file is parsed with ruamel.yaml in round-trip mode only to learn line numbers; the
rest of the portal never sees YAML. The Router's `version` is a hash of the exact text,
so each complaint can record which edit of the file routed it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from portal.routing.engine import Router
from portal.routing.model import RoutingFileError, RoutingIssue
from portal.routing.validate import compile_document

__all__ = ["Router", "compile_text", "file_version", "load_router"]


class _DatesAsText(RoundTripConstructor):
    """Keeps `2025-02-30` as text so the validator can report it with its line.

    The stock constructor turns date-looking scalars into date objects and raises a
    line-less ValueError for an impossible date; we would rather say where it is.
    """


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", _DatesAsText.construct_yaml_str)


def file_version(text: str) -> str:
    """First 12 hex digits of the SHA-256 of the file text: short enough to show staff."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def parse_yaml(text: str, filename: str) -> Any:
    """The round-trip document, or RoutingFileError pointing at the syntax problem."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _DatesAsText
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise RoutingFileError([RoutingIssue(filename, line, f"YAML syntax: {problem}")]) from exc
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise RoutingFileError([RoutingIssue(filename, 1, f"YAML syntax: {exc}")]) from exc


def compile_text(text: str, filename: str = "routing_rules.yaml") -> Router:
    """Parse and validate a whole routing file; RoutingFileError lists every issue."""
    data = compile_document(parse_yaml(text, filename), filename)
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
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = "not UTF-8 text; save the file as UTF-8"
        raise RoutingFileError([RoutingIssue(filename, line, message)]) from exc
    return compile_text(text, filename)

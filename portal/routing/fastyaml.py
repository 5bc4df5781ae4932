"""A fast, libyaml-backed reader for routing files that the round-trip parser would accept.

ruamel.yaml's pure-Python scanner needs about a minute for a national routing file; libyaml
reads it in about a second. This module turns libyaml's parse events (PyYAML's CSafeLoader)
into dict/list subclasses carrying the same `lc` line/column data the validator reads from
ruamel's CommentedMap/CommentedSeq, and resolves plain scalars with ruamel's YAML 1.2
resolver, so the result compiles exactly as the round-trip document would.

It only handles the plain, common subset of YAML: anything else (syntax errors, duplicate
keys, merge keys, explicit tags, directives, aliases over budget or recursive, anchor names
libyaml ends early, collections as keys, block scalars, very deep nesting, unusual line
breaks, tabs) raises `Unsupported`, and the caller parses the text with ruamel instead, which
gives today's values and today's messages. A YAML error in a large file is therefore still
reported at ruamel's speed.

Events rather than `yaml.compose` on purpose: libyaml's parser is iterative, while
PyYAML's C composer recurses on the C stack and crashes the process on deeply nested input.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

try:
    import yaml
    from yaml.events import (
        AliasEvent,
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
        StreamStartEvent,
    )

    _LOADER = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else None
except ImportError:  # pragma: no cover - PyYAML is a dependency; ruamel still works without
    _LOADER = None

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode

from portal.routing.yaml_dates import DatesAsText

__all__ = ["AVAILABLE", "MAX_DEPTH", "Unsupported", "YamlList", "YamlMap", "load", "paused_gc"]

AVAILABLE = _LOADER is not None
# Deeper documents go to ruamel (whose recursion limit decides what happens to them).
MAX_DEPTH = 200

_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NULL = "tag:yaml.org,2002:null"
_CONSTRUCTED = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:float"}
_NAME_ENDS = frozenset(" \t\r\n,[]{}")
# Line breaks that libyaml and ruamel might count differently, tabs (libyaml accepts some
# that ruamel refuses, e.g. after a value: `0<tab>`) and YAML directives, which switch
# ruamel to other resolution rules.
_ODD_TEXT = re.compile(r"[\t\x85\u2028\u2029]|^%", re.MULTILINE)


class Unsupported(Exception):
    """The text is outside the subset read here; parse it with ruamel instead."""


class LineCol:
    """Positions (0-based) like ruamel's `lc`: `.line`, `.col`, `.key(k)`, `.value(k)`,
    `.item(i)`. Marks are kept and read only when the validator asks."""

    __slots__ = ("data", "mark")

    def __init__(self, mark: Any, data: Any):
        self.mark = mark
        self.data = data

    @property
    def line(self) -> int:
        return self.mark.line

    @property
    def col(self) -> int:
        return self.mark.column

    def key(self, k: Any) -> tuple[int, int]:
        mark = self.data[k][0]
        return mark.line, mark.column

    def value(self, k: Any) -> tuple[int, int]:
        mark = self.data[k][1]
        return mark.line, mark.column

    def item(self, index: int) -> tuple[int, int]:
        if index < 0:
            raise KeyError(index)
        mark = self.data[index]
        return mark.line, mark.column


class YamlMap(dict):
    """A mapping with ruamel-style positions in `lc`."""

    __slots__ = ("lc",)


class YamlList(list):
    """A sequence with ruamel-style positions in `lc`."""

    __slots__ = ("lc",)


class _Scalars:
    """Plain scalar text -> value, as ruamel's round-trip loader (YAML 1.2) builds it."""

    def __init__(self) -> None:
        rt = YAML(typ="rt")
        rt.Constructor = DatesAsText
        self._resolve = rt.resolver.resolve
        self._constructor = rt.constructor
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def plain(self, value: str) -> Any:
        try:
            return self._cache[value]
        except KeyError:
            pass
        resolved = self._resolve(ScalarNode, value, (True, False))
        tag = str(getattr(resolved, "value", resolved))
        if tag in (_STR, _TIMESTAMP):
            result: Any = value
        elif tag == _NULL:
            result = None
        elif tag in _CONSTRUCTED:
            node = ScalarNode(resolved, value)
            with self._lock:  # the constructor keeps per-call state
                result = self._constructor.construct_object(node, deep=True)
                self._constructor.constructed_objects.pop(node, None)
        else:  # merge keys (<<), `=` and the like
            raise Unsupported(tag)
        if len(self._cache) < 100_000:
            self._cache[value] = result
        return result


_SCALARS: _Scalars | None = None


class _Builder:
    """Builds the document from events; counts alias expansion like the ruamel composer."""

    def __init__(self, text: str, max_alias_nodes: int):
        global _SCALARS  # one resolver and constructor serve every load
        if _SCALARS is None:
            _SCALARS = _Scalars()
        self.plain = _SCALARS.plain
        self.body = text[1:] if text.startswith("\ufeff") else text  # libyaml skips a BOM
        self.loader = _LOADER(text)
        self.next = self.loader.get_event
        # name -> (value, expanded size or None while being built, start mark)
        self.anchors: dict[str, tuple[Any, int | None, Any]] = {}
        self.count = 0  # nodes built so far, aliases counted at their expanded size
        self.alias_nodes = 0
        self.max_alias_nodes = max_alias_nodes

    def document(self) -> Any:
        try:
            if type(self.next()) is not StreamStartEvent:
                raise Unsupported("stream")
            event = self.next()
            if type(event) is StreamEndEvent:
                return None
            if type(event) is not DocumentStartEvent or event.version or event.tags:
                raise Unsupported("directives")
            root = self.node(self.next(), 0)
            if type(self.next()) is not DocumentEndEvent:
                raise Unsupported("document")
            if type(self.next()) is not StreamEndEvent:
                raise Unsupported("more than one document")
            return root
        finally:
            self.loader.dispose()

    def mark(self, alias: Any) -> Any:
        """Where an alias's node starts: ruamel shares the node, so it is where the anchor is."""
        found = self.anchors.get(alias.anchor)
        return alias.start_mark if found is None else found[2]

    def check_name(self, event: Any, sigil: str) -> None:
        """libyaml ends an anchor name at the first character other than A-Z, a-z, 0-9, _
        and -, ruamel only at a space or a flow indicator: `&a?b` is read differently.
        Accept the name only where both readers would end it."""
        token = sigil + event.anchor
        start = event.start_mark.index
        end = start + len(token)
        if not self.body.startswith(token, start) or (
            end < len(self.body) and self.body[end] not in _NAME_ENDS
        ):
            raise Unsupported("anchor name")

    def node(self, event: Any, depth: int) -> Any:
        kind = type(event)
        if kind is ScalarEvent:
            if event.tag is not None:
                raise Unsupported("explicit tag")
            style = event.style
            if style == "":
                value = self.plain(event.value)
            elif style == "|" or style == ">":
                # libyaml and ruamel disagree on some block scalars (`>\n#`): ruamel decides
                raise Unsupported("block scalar")
            else:
                value = event.value
            self.count += 1
            if event.anchor is not None:
                self.check_name(event, "&")
                self.anchors[event.anchor] = (value, 1, event.start_mark)
            return value
        if kind is AliasEvent:
            self.check_name(event, "*")
            try:
                value, size, _ = self.anchors[event.anchor]
            except KeyError:
                raise Unsupported("undefined alias") from None
            if size is None:
                raise Unsupported("recursive alias")
            self.alias_nodes += size
            if self.alias_nodes > self.max_alias_nodes:
                raise Unsupported("alias budget")
            self.count += size
            return value
        if depth >= MAX_DEPTH:
            raise Unsupported("too deep")
        if event.tag is not None:
            raise Unsupported("explicit tag")
        anchor = event.anchor
        if anchor is not None:
            self.check_name(event, "&")
        before = self.count
        self.count += 1
        if kind is MappingStartEvent:
            mapping = YamlMap()
            data: dict[Any, tuple[Any, Any]] = {}
            mapping.lc = LineCol(event.start_mark, data)
            if anchor is not None:
                self.anchors[anchor] = (mapping, None, mapping.lc.mark)
            next_event = self.next
            node = self.node
            depth += 1
            while True:
                event = next_event()
                if type(event) is MappingEndEvent:
                    break
                key_mark = event.start_mark if type(event) is not AliasEvent else self.mark(event)
                key = node(event, depth)
                if isinstance(key, list | dict):
                    raise Unsupported("collection as a key")
                if key in mapping:
                    raise Unsupported("duplicate key")
                event = next_event()
                value_mark = event.start_mark if type(event) is not AliasEvent else self.mark(event)
                data[key] = (key_mark, value_mark)
                mapping[key] = node(event, depth)
            result: Any = mapping
        elif kind is SequenceStartEvent:
            seq = YamlList()
            marks: list[Any] = []
            seq.lc = LineCol(event.start_mark, marks)
            if anchor is not None:
                self.anchors[anchor] = (seq, None, seq.lc.mark)
            next_event = self.next
            node = self.node
            depth += 1
            while True:
                event = next_event()
                if type(event) is SequenceEndEvent:
                    break
                marks.append(
                    event.start_mark if type(event) is not AliasEvent else self.mark(event)
                )
                seq.append(node(event, depth))
            result = seq
        else:
            raise Unsupported(kind.__name__)
        if anchor is not None:
            self.anchors[anchor] = (result, self.count - before, result.lc.mark)
        return result


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: building a large tree of new objects makes the
    collector run again and again (a third of the time of compiling a national file)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def load(text: str, max_alias_nodes: int) -> Any:
    """The document as YamlMap/YamlList/scalars, or Unsupported (use ruamel then)."""
    if _LOADER is None:
        raise Unsupported("libyaml is not available")
    if _ODD_TEXT.search(text):
        raise Unsupported("directive or unusual line break")
    try:
        with paused_gc():
            return _Builder(text, max_alias_nodes).document()
    except Unsupported:
        raise
    except Exception as exc:  # syntax errors, odd characters, RecursionError: ruamel decides
        raise Unsupported(type(exc).__name__) from exc

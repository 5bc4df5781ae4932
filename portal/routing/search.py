"""Finding a counter by name: the picker's search, with no JavaScript and no database.

Pure: built once per routing file version (Router.search_index) from the names of every
service, its unit and its agency, in Indonesian and English, plus their old ids (aliases,
often an old name). Matching ignores case, accents and punctuation, and every word typed
must appear somewhere in the entry ("daftar ulin" finds "Pendaftaran Pasien – RSUD Ulin").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from portal.routing.model import ServicePoint

MAX_QUERY_CHARS = 100  # longer is no search a person types; the page says so
MAX_WORDS = 8
MAX_RESULTS = 30  # a phone screen or two; the page asks for more words past this
EMPTY = "empty"
TOO_LONG = "too_long"
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_OTHER_WORDS = "layanan lain lainnya other service"  # not "daftar": every search would hit


class _Points(Protocol):
    def service_points(self) -> Iterable[ServicePoint]: ...
    def other_points(self) -> Iterable[ServicePoint]: ...


def fold(text: str) -> str:
    """Lower case, without accents or punctuation, single spaces: "Pendaftaran Pasien"
    and "pendaftaran-pasien" read alike, and "Kesehatan Ibu & Anak" is "kesehatan ibu anak"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", plain).split())


def _names(*things: object) -> list[str]:
    found: list[str] = []
    for thing in things:
        found.append(getattr(thing, "name", ""))
        found.append(getattr(thing, "name_en", None) or "")
        found.extend(getattr(thing, "aliases", ()))
    return found


@dataclass(frozen=True)
class _Entry:
    point: ServicePoint
    service: str  # folded service names: a word found here ranks the entry first
    text: str  # everything folded: service, unit, agency


@dataclass(frozen=True)
class SearchOutcome:
    hits: tuple[ServicePoint, ...]
    total: int  # matches in all; more than len(hits) when capped
    problem: str | None = None  # EMPTY or TOO_LONG: nothing was searched

    @property
    def capped(self) -> bool:
        return self.total > len(self.hits)


class SearchIndex:
    """Every counter's folded names, by region; `search` scans one region or all."""

    def __init__(self, entries: list[_Entry]):
        self._by_region: dict[str, list[_Entry]] = {}
        for entry in entries:
            self._by_region.setdefault(entry.point.region.id, []).append(entry)

    @classmethod
    def build(cls, router: _Points) -> SearchIndex:
        entries = []
        for p in router.service_points():
            service = fold(" ".join(_names(p.service)))
            places = fold(" ".join(_names(p.unit, p.agency)))
            entries.append(_Entry(p, service, f"{service} {places}"))
        # "Layanan lain" is found by its agency's names (and its own), never by a unit's.
        for p in router.other_points():
            entries.append(_Entry(p, "", f"{_OTHER_WORDS} {fold(' '.join(_names(p.agency)))}"))
        return cls(entries)

    def search(
        self, query: str, region_id: str | None = None, limit: int = MAX_RESULTS
    ) -> SearchOutcome:
        """Counters whose names hold every word of `query`; those whose service name holds
        them come first, then file order, "Layanan lain" last."""
        if len(query) > MAX_QUERY_CHARS:
            return SearchOutcome((), 0, TOO_LONG)
        words = fold(query).split()
        if not words:
            return SearchOutcome((), 0, EMPTY)
        if len(words) > MAX_WORDS:
            return SearchOutcome((), 0, TOO_LONG)
        if region_id is not None:
            pools = [self._by_region.get(region_id, [])]
        else:
            pools = list(self._by_region.values())
        found: list[tuple[int, int, ServicePoint]] = []
        order = 0
        for pool in pools:
            for entry in pool:
                order += 1
                text = entry.text
                if all(w in text for w in words):
                    in_service = sum(w in entry.service for w in words)
                    rank = 2 if entry.point.service.is_other else (0 if in_service else 1)
                    found.append((rank, order, entry.point))
        found.sort(key=lambda item: (item[0], item[1]))
        return SearchOutcome(tuple(p for _, _, p in found[:limit]), len(found))

"""Batches of posters as one multi-page PDF, a ZIP of PNGs or a single PNG, streamed.

Pages arrive from an iterator and leave as bytes right away, so a region's thousand
posters never sit in memory together: at any moment we hold a page or two being rendered,
the renderer's cached templates and the bytes of the page being written.

Two ways to run:
- `iter_chunks(fmt, pages)`: in the calling process; compression overlaps with drawing
  the next poster in one helper thread. Used by the web page (a request must not fork).
- `iter_chunks_forked(fmt, count, render, workers=N)`: N forked processes draw and
  compress posters while this one only writes them in order, with a bounded window of
  pages in flight. Used by the command line and the benchmark for big batches.
"""

from __future__ import annotations

import io
import multiprocessing
import threading
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, BinaryIO, TypeVar

from qr.pdfstream import PagePreparer, PdfStreamWriter, PreparedPage
from qr.poster import PosterPage
from qr.poster_layouts import DPI

FORMATS: tuple[str, ...] = ("pdf", "zip", "png")
MEDIA_TYPES = {"pdf": "application/pdf", "zip": "application/zip", "png": "image/png"}
PNG_COMPRESSION = 3  # flat colours compress well even at a low level; 6+ only costs time
DEFAULT_TITLE = "Poster Aduan Langsung"

NamedPage = tuple[str, PosterPage]  # (file name inside a ZIP, page)
Renderer = Callable[[int], NamedPage]  # page index (0-based) -> named page
T = TypeVar("T")
R = TypeVar("R")


class _Chunks:
    """A write-only sink that hands out what was written since the last `drain()`.

    It can tell() but not seek(), which is all zipfile needs to stream (it then writes
    data descriptors after each member instead of going back to patch headers).
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def png_bytes(page: PosterPage) -> bytes:
    """The flattened page as a PNG that says 300 DPI, so it prints at its real size."""
    out = io.BytesIO()
    page.to_image().save(out, "PNG", dpi=(DPI, DPI), compress_level=PNG_COMPRESSION)
    return out.getvalue()


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


# --- writers: prepared pages in, bytes out -------------------------------------------------


def _pdf_chunks(
    prepared: Iterable[PreparedPage], on_page: Callable[[], None] | None, title: str
) -> Iterator[bytes]:
    sink = _Chunks()
    pdf = PdfStreamWriter(sink, title=title)
    yield sink.drain()
    for page in prepared:
        pdf.write_prepared(page)
        if on_page:
            on_page()
        yield sink.drain()
    pdf.close()
    yield sink.drain()


def _zip_chunks(
    pngs: Iterable[tuple[str, bytes]], on_page: Callable[[], None] | None
) -> Iterator[bytes]:
    sink = _Chunks()
    stamp = datetime.now().timetuple()[:6]
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        for name, data in pngs:
            # PNG data is already deflated; storing it avoids compressing it twice.
            archive.writestr(zipfile.ZipInfo(name, stamp), data)
            if on_page:
                on_page()
            yield sink.drain()
    yield sink.drain()


def _png_chunks(
    pngs: Iterable[tuple[str, bytes]], on_page: Callable[[], None] | None
) -> Iterator[bytes]:
    for produced, (_, data) in enumerate(pngs, start=1):
        if produced > 1:
            raise ValueError("a PNG holds one poster; use the ZIP format for a batch")
        if on_page:
            on_page()
        yield data


def _named_png(item: NamedPage) -> tuple[str, bytes]:
    return item[0], png_bytes(item[1])


# --- in this process -----------------------------------------------------------------------


def iter_chunks(
    fmt: str,
    pages: Iterable[NamedPage],
    *,
    on_page: Callable[[], None] | None = None,
    title: str = DEFAULT_TITLE,
) -> Iterator[bytes]:
    """The file's bytes, a chunk per page; pages are pulled from `pages` one at a time."""
    _check_format(fmt)
    if fmt == "pdf":
        preparer = PagePreparer()
        prepared = _pipelined((page for _, page in pages), preparer.prepare)
        chunks = _pdf_chunks(prepared, on_page, title)
    elif fmt == "zip":
        chunks = _zip_chunks(_pipelined(pages, _named_png), on_page)
    else:
        chunks = _png_chunks(map(_named_png, pages), on_page)
    return (chunk for chunk in chunks if chunk)


def _pipelined(items: Iterable[T], prepare: Callable[[T], R], depth: int = 2) -> Iterator[R]:
    """prepare(item) for each item, in order, in one helper thread while the caller's
    thread produces the next item: drawing a poster (mostly Python, holding the GIL)
    overlaps with compressing the previous one (zlib and Pillow's encoders release it).
    At most `depth` items are in flight, so memory stays flat."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="poster-encode") as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(prepare, item))
                if len(pending) >= depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


# --- in forked worker processes ------------------------------------------------------------

# The task function of the running forked batch. Workers are forked, so they inherit it
# (and the routing data and signing keys it closes over) instead of receiving it pickled;
# only page numbers go to the workers and compressed pages come back.
_TASK: Callable[[int], Any] | None = None
_FORK_LOCK = threading.Lock()
CHUNK = 8  # consecutive pages per task: neighbours share names, so a worker's caches hit


def _run_chunk(start: int, stop: int) -> list[Any]:
    if _TASK is None:
        raise RuntimeError("poster worker started without a task")
    return [_TASK(index) for index in range(start, stop)]


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _forked_map(count: int, task: Callable[[int], R], workers: int) -> Iterator[R]:
    """task(0..count-1) in `workers` forked processes, results in order. Pages go out in
    runs of CHUNK; at most two runs per worker are in flight, so a slow reader never piles
    results up in memory."""
    global _TASK
    with _FORK_LOCK:
        _TASK = task
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pending: deque = deque()
                submitted = 0
                while submitted < count or pending:
                    while submitted < count and len(pending) < 2 * workers:
                        stop = min(count, submitted + CHUNK)
                        pending.append(pool.apply_async(_run_chunk, (submitted, stop)))
                        submitted = stop
                    yield from pending.popleft().get()
        finally:
            _TASK = None


def iter_chunks_forked(
    fmt: str,
    count: int,
    render: Renderer,
    *,
    workers: int,
    on_page: Callable[[], None] | None = None,
    title: str = DEFAULT_TITLE,
) -> Iterator[bytes]:
    """Like iter_chunks for pages render(0) .. render(count - 1), drawn and compressed in
    `workers` forked processes. The caller must hold no open database connection or
    running thread that a child could disturb (the command line disposes its engine)."""
    _check_format(fmt)
    if workers <= 1 or count < 2 or fmt == "png" or not can_fork():
        return iter_chunks(fmt, (render(i) for i in range(count)), on_page=on_page, title=title)
    if fmt == "pdf":
        preparer = PagePreparer()  # each worker gets its own copy when forked

        def prepare(index: int) -> PreparedPage:
            return preparer.prepare(render(index)[1])

        chunks = _pdf_chunks(_forked_map(count, prepare, workers), on_page, title)
    else:

        def encode(index: int) -> tuple[str, bytes]:
            return _named_png(render(index))

        chunks = _zip_chunks(_forked_map(count, encode, workers), on_page)
    return (chunk for chunk in chunks if chunk)


def write_batch(
    fmt: str,
    pages: Iterable[NamedPage],
    out: BinaryIO,
    *,
    on_page: Callable[[], None] | None = None,
    title: str = DEFAULT_TITLE,
) -> None:
    """Write the whole file to `out` (any object with write())."""
    for chunk in iter_chunks(fmt, pages, on_page=on_page, title=title):
        out.write(chunk)

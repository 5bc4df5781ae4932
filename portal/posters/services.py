"""Starting a batch of posters: check the request, record it in the registry, stream it.

Plain values in, PosterRequestError out (the view and the CLI each turn its `code` into
their own message). The batch is recorded *before* rendering because every poster prints
its id (batch number and page), and the registry must list what may now be hanging on a
wall even if the download is later interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete

from portal.extensions import db
from portal.posters.content import (
    Logos,
    PosterJob,
    iter_pages,
    load_region_logos,
    page_renderer,
)
from portal.posters.models import PosterBatch, PosterItem
from portal.posters.selection import Selection
from portal.routing.engine import Router
from portal.routing.model import ServicePoint
from qr.batch import FORMATS, MEDIA_TYPES, iter_chunks, iter_chunks_forked
from qr.payload import SigningKeys
from qr.poster import SIZES, LogoProblem

ErrorCode = Literal["empty", "unknown-size", "unknown-format", "png-needs-one"]


class PosterRequestError(ValueError):
    def __init__(self, code: ErrorCode, message: str):
        self.code = code
        super().__init__(message)


def check_request(points: Sequence[ServicePoint], size: str, fmt: str) -> None:
    if size not in SIZES:
        raise PosterRequestError(
            "unknown-size", f"unknown size {size!r}; use one of {', '.join(SIZES)}"
        )
    if fmt not in FORMATS:
        raise PosterRequestError(
            "unknown-format", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
        )
    if not points:
        raise PosterRequestError("empty", "no service selected")
    if fmt == "png" and len(points) > 1:
        raise PosterRequestError(
            "png-needs-one",
            f"a PNG holds one poster but {len(points)} services are selected; use zip",
        )


@dataclass
class StartedBatch:
    batch_id: int
    points: tuple[ServicePoint, ...]
    job: PosterJob
    fmt: str
    filename: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]

    @property
    def logo_problems(self) -> dict[str, LogoProblem]:
        return dict(self.job.logos.problems)

    def chunks(
        self, on_page: Callable[[], None] | None = None, *, workers: int = 1
    ) -> Iterator[bytes]:
        """The file's bytes, rendered lazily page by page (memory stays flat). With
        workers > 1 the pages are drawn in forked processes: only for the command line,
        never inside a web request."""
        title = f"Poster {self.batch_id}"
        if workers > 1:
            render = page_renderer(self.job, self.points)
            return iter_chunks_forked(
                self.fmt, len(self.points), render, workers=workers, on_page=on_page, title=title
            )
        pages = iter_pages(self.job, self.points)
        return iter_chunks(self.fmt, pages, on_page=on_page, title=title)


def start_batch(
    router: Router,
    selection: Selection,
    *,
    size: str,
    fmt: str,
    origin: str,
    keys: SigningKeys,
    base_url: str,
    user_id: int | None = None,
) -> StartedBatch:
    """Check, record (committed) and prepare a batch; rendering happens in `chunks()`."""
    points = selection.points
    check_request(points, size, fmt)
    regions = {p.region.id: p.region for p in points}
    logos = load_region_logos(router, regions.values())
    batch = PosterBatch(
        origin=origin,
        created_by_id=user_id,
        size=size,
        format=fmt,
        key_id=keys.active,
        routing_version=router.version,
        selection=selection.description,
        poster_count=len(points),
        warnings=_warning_lines(logos) or None,
    )
    batch.items = [
        PosterItem(
            page=page,
            region_id=p.region.id,
            agency_id=p.agency.id,
            unit_id=p.unit.id,
            service_id=p.service.id,
            short_code=p.short_code,
        )
        for page, p in enumerate(points, start=1)
    ]
    db.session.add(batch)
    db.session.commit()
    batch_id = batch.id
    job = PosterJob(
        router=router,
        keys=keys,
        base_url=base_url,
        size=size,
        logos=logos,
        poster_id=lambda page: f"{batch_id}-{page}",
    )
    return StartedBatch(batch_id, points, job, fmt, _file_name(selection, size, batch_id, fmt))


def forget_batch(batch_id: int) -> None:
    """Remove a batch whose file was never produced (the command line failed to write)."""
    db.session.rollback()
    db.session.execute(delete(PosterItem).where(PosterItem.batch_id == batch_id))
    db.session.execute(delete(PosterBatch).where(PosterBatch.id == batch_id))
    db.session.commit()


# Stored one per line as "reason|region id|path"; views turn them into sentences.
def _warning_lines(logos: Logos) -> str:
    return "\n".join(
        f"logo-{problem.reason}|{region_id}|{problem.path}"
        for region_id, problem in sorted(logos.problems.items())
    )


@dataclass(frozen=True)
class StoredWarning:
    kind: str  # "logo-missing" or "logo-not-an-image"
    region_id: str
    path: str


def stored_warnings(batch: PosterBatch) -> list[StoredWarning]:
    result = []
    for line in (batch.warnings or "").splitlines():
        kind, _, rest = line.partition("|")
        region_id, _, path = rest.partition("|")
        result.append(StoredWarning(kind, region_id, path))
    return result


def _file_name(selection: Selection, size: str, batch_id: int, fmt: str) -> str:
    what = selection.description
    if ", " in what or not what or what.startswith("services:"):
        what = "pilihan"
    else:
        what = what.partition(":")[2].replace("/", "-")
    return f"poster-{what}-{size}-{batch_id}.{fmt}"

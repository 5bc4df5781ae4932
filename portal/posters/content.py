"""What goes on the poster of one counter: names, signed QR URL, short code, promise.

Pure (no Flask, no database), so the web page, the command line and the benchmark all
print exactly the same thing, and the page iterator can run after the request context
that started it has gone (a streamed download).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from portal.routing.engine import Router
from portal.routing.model import Region, ServicePoint
from qr.batch import NamedPage, Renderer
from qr.payload import ServiceRef, SigningKeys, encode
from qr.poster import Logo, LogoProblem, PosterContent, PosterRenderer, load_logo
from qr.render import qr_url
from qr.shortcode import format_code

FOLLOWUP_CLASSIFICATION = "complaint"  # the promise printed is the complaint clock


def short_url(base_url: str, code: str) -> str:
    """The typed address under the QR, without the scheme people need not type."""
    parts = urlsplit(base_url)
    return f"{parts.netloc}{parts.path.rstrip('/')}/k/{format_code(code)}"


def followup_days(router: Router, point: ServicePoint) -> int:
    """The complaint follow-up allowance this counter's reports actually get, rules and
    clock overrides included (what the routing engine would decide today)."""
    destination = router.route(*point.ids, classification=FOLLOWUP_CLASSIFICATION)
    return destination.clocks.complaint


@dataclass(frozen=True)
class Logos:
    """Each region's loaded logo, and what went wrong with the ones that did not load."""

    images: Mapping[str, Logo]
    problems: Mapping[str, LogoProblem]  # region id -> problem


def load_region_logos(router: Router, regions: Iterable[Region]) -> Logos:
    images: dict[str, Logo] = {}
    problems: dict[str, LogoProblem] = {}
    for region in regions:
        path = router.logo_path(region)
        if path is None or region.id in images or region.id in problems:
            continue
        logo, problem = load_logo(path, router.logo_folder())
        if logo is not None:
            images[region.id] = logo
        elif problem is not None:
            problems[region.id] = problem
    return Logos(images, problems)


@dataclass(frozen=True)
class PosterJob:
    """Plain values a batch needs; safe to keep after the request/app context has gone."""

    router: Router
    keys: SigningKeys
    base_url: str
    size: str
    logos: Logos
    poster_id: Callable[[int], str]  # page number (1-based) -> printed id


def poster_content(job: PosterJob, point: ServicePoint, page: int, today: date) -> PosterContent:
    agency, unit, service = point.ids
    payload = encode(ServiceRef(agency, unit, service), job.keys)
    return PosterContent(
        agency_name=point.agency.name,
        unit_name=point.unit.name,
        service_name=point.service.name,
        qr_url=qr_url(job.base_url, payload),
        short_code=format_code(point.short_code),
        short_url=short_url(job.base_url, point.short_code),
        followup_days=followup_days(job.router, point),
        poster_id=job.poster_id(page),
        printed_on=today,
        logo=job.logos.images.get(point.region.id),
        whatsapp=point.region.whatsapp,
        sms=point.region.sms,
    )


def file_name(point: ServicePoint, page: int, size: str) -> str:
    """Name of a poster inside a ZIP: sorted like the PDF, readable by a clerk."""
    return f"{page:04d}-{'-'.join(point.ids)}-{size}.png"


def page_renderer(job: PosterJob, points: Sequence[ServicePoint]) -> Renderer:
    """render(i): the named page of points[i], drawn by one PosterRenderer (which keeps
    the shared template); forked workers each get their own copy of it."""
    renderer = PosterRenderer(job.size)

    def render(index: int) -> NamedPage:
        point, page = points[index], index + 1
        content = poster_content(job, point, page, _today(point.region.timezone))
        return file_name(point, page, job.size), renderer.render(content)

    return render


def iter_pages(job: PosterJob, points: Sequence[ServicePoint]) -> Iterator[NamedPage]:
    """Render the posters one by one, lazily: the caller streams each page away."""
    render = page_renderer(job, points)
    return (render(index) for index in range(len(points)))


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _today(timezone: str) -> date:
    """The date printed in the footer: today where the poster will hang."""
    return datetime.now(_zone(timezone)).date()

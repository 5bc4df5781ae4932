"""GET endpoints of GeoReport v2: discovery, services, service definitions, requests, tokens,
and the photos of published reports.

Thin views: the parameters are checked by params.py, places by places.py, what is public by
publication.py, the fields by serialize.py. Every view answers in the `locale=` asked for.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import wraps

from flask import current_app, request, send_file
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.extensions import db
from portal.open311 import places, publication, serialize
from portal.open311.blueprint import bp, wanted_format
from portal.open311.formats import Open311Error, items_response, object_response
from portal.open311.models import ApiPost
from portal.open311.params import jurisdiction_of, request_filters, wanted_locale
from portal.photo_store import PhotoMissing, StorageFailure, photo_store
from portal.routing import versions
from portal.routing.active import get_router
from portal.timeutil import utcnow

# The changeset when the routing has never been stored (a fresh database routes by file).
FIRST_CHANGESET = "2026-01-01T00:00:00+00:00"
MEDIA_MAX_AGE = 300  # seconds: a report unpublished later drops out of caches soon
# What a POST hands out (URL-safe base64, String(64)); anything else finds nothing, and a
# NUL or other control character never reaches the database (PostgreSQL refuses them).
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def localized(view: Callable) -> Callable:
    """Run the view (and word its errors) in the `locale=` of the query."""

    @wraps(view)
    def in_locale(*args, **kwargs):
        with force_locale(wanted_locale(request.args)):
            return view(*args, **kwargs)

    return in_locale


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def _regions():
    return places.jurisdictions(get_router(), jurisdiction_of(request.args))


def _not_found(field: str):
    return Open311Error(404, (404, f"{field}: " + _("tidak ditemukan")))


@bp.get("/discovery.<fmt>")
@localized
def discovery(fmt: str):
    fmt = wanted_format(fmt)
    newest = versions.newest()
    changeset = newest.created_at.replace(microsecond=0).isoformat() if newest else FIRST_CHANGESET
    body = serialize.discovery(get_router(), _base_url(), changeset)
    return object_response(fmt, "discovery", body)


@bp.get("/services.<fmt>")
@localized
def services(fmt: str):
    fmt = wanted_format(fmt)
    wanted = {region.id for region in _regions()}
    points = [p for p in get_router().service_points() if p.region.id in wanted]
    return items_response(fmt, "services", "service", map(serialize.service_item, points))


@bp.get("/services/<service_code>.<fmt>")
@localized
def service_definition(service_code: str, fmt: str):
    fmt = wanted_format(fmt)
    router = get_router()
    point = places.service_point(router, service_code, _regions())
    return object_response(fmt, "service_definition", serialize.service_definition(point, router))


@bp.get("/requests.<fmt>")
@localized
def list_requests(fmt: str):
    fmt = wanted_format(fmt)
    router = get_router()
    filters = request_filters(request.args, now=utcnow())
    regions = _regions()
    origins = ()
    if not filters.codes:
        origins = tuple(
            places.origin_of(places.service_point(router, code, regions))
            for code in filters.service_codes
        )
    search = publication.RequestSearch(
        region_ids=tuple(region.id for region in regions),
        codes=filters.codes,
        origins=origins,
        statuses=filters.statuses,
        start=filters.start,
        end=filters.end,
        page=filters.page,
        page_size=filters.page_size,
    )
    base = _base_url()
    found = publication.search(search)
    return items_response(
        fmt, "service_requests", "request", (serialize.request_item(c, router, base) for c in found)
    )


@bp.get("/requests/<service_request_id>.<fmt>")
@localized
def get_request(service_request_id: str, fmt: str):
    fmt = wanted_format(fmt)
    regions = _regions()
    code = normalize_tracking_code(service_request_id)
    found = publication.published_case(code, [r.id for r in regions]) if code else None
    if found is None:  # unpublished answers as unknown: existence is never confirmed
        raise _not_found("service_request_id")
    item = serialize.request_item(found, get_router(), _base_url())
    return items_response(fmt, "service_requests", "request", [item])


@bp.get("/tokens/<token>.<fmt>")
@localized
def get_token(token: str, fmt: str):
    """The tracking code a POST's token stands for (only its holder knows the token)."""
    fmt = wanted_format(fmt)
    code = None
    if TOKEN_RE.fullmatch(token):
        code = db.session.execute(
            select(Complaint.tracking_code)
            .join(ApiPost, ApiPost.complaint_id == Complaint.id)
            .where(ApiPost.token == token)
        ).scalar_one_or_none()
    if code is None:
        raise _not_found("token")
    row = {"token": token, "service_request_id": code}
    return items_response(fmt, "service_requests", "request", [row])


@bp.get("/media/<code>/<int:n>.jpg")
@localized
def media(code: str, n: int):
    """Photo n (1-based) of a published report of a region that publishes photos."""
    canonical = normalize_tracking_code(code)
    found = publication.published_case(canonical) if canonical else None
    region = get_router().region(found.region_id) if found is not None else None
    if region is None or not region.public_photos or not 1 <= n <= len(found.photos):
        raise _not_found("media")
    stored = found.photos[n - 1]
    store = photo_store()
    try:
        data = store.read(stored.storage_key)
    except PhotoMissing as exc:
        current_app.logger.warning("photo %d: file %s is missing", stored.id, exc.where)
        raise _not_found("media") from None
    except StorageFailure as exc:
        where = store.describe()
        current_app.logger.warning("photo %d: %s does not answer (%s)", stored.id, where, exc)
        raise Open311Error(
            503, (503, "media: " + _("Foto sementara tidak dapat diambil. Coba lagi nanti."))
        ) from None
    response = send_file(
        io.BytesIO(data),
        mimetype=stored.content_type,
        max_age=MEDIA_MAX_AGE,
        etag=stored.storage_key,  # a key never gets other bytes
    )
    response.headers["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    return response

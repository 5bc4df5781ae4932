"""Filing a report through Open311: the API's door to `submit_report`. Plain values in.

The steps and their answers: the key (403), the service point and jurisdiction (404), the
key's regions (403), the key's rate limit (429), the form (400, one error per field), the
Idempotency-Key's replay (200) or conflict (409), the abuse list (403, or stored
quarantined), the media_url (400), the same-text and service-point limits (429), then the
report (201). Nothing is written before the last step but the ApiPost row that records each POST
whatever its outcome (with field names and reasons only, never what was typed).
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from portal.abuse.keys import list_key
from portal.abuse.models import QUARANTINE, REFUSE
from portal.abuse.services import screen
from portal.availability.outage import DATABASE_DOWN
from portal.clocks.deadlines import local_date
from portal.complaints import channels
from portal.complaints.access import content_digest, submission_digest
from portal.complaints.models import Complaint
from portal.complaints.queries import by_tracking_code
from portal.complaints.storage import StorageFailure
from portal.extensions import db
from portal.intake.report import N_, InvalidReport, Problem
from portal.intake.submission import SubmissionConflict, report_content, submit_report
from portal.open311.formats import Open311Error
from portal.open311.intake_form import (
    IDEMPOTENCY_KEY,
    OPEN311_FIELD,
    Place,
    field_name,
    parse_form,
)
from portal.open311.keys import find_active_key
from portal.open311.media_fetch import MediaLimits, MediaRefused, fetch_photo
from portal.open311.models import ApiKey, ApiPost
from portal.photo_store import PhotoStore
from portal.ratelimits.reports import Refusal, check_key, check_keyless, check_report
from portal.routing.loader import Router
from portal.routing.model import ServicePoint, UnknownServicePoint
from portal.timeutil import utcnow

STORAGE_RETRY_AFTER = 600  # seconds; a full upload folder is not fixed in a moment
CODE_MAX = 20  # ApiPost.service_code
REPEATED_SHOWN = 10  # repeated fields named in one answer
# A field name as ApiPost.detail keeps it (`attribute[anonymus]` helps the client's team);
# a name with digits, spaces or '@' may be what a client typed into the wrong place.
FIELD_SHAPE = re.compile(r"[A-Za-z_-]{1,40}(\[[A-Za-z_]{1,40}\])?")
OTHER_FIELD = "other"


@dataclass(frozen=True)
class FilingSettings:
    secret: str
    store: PhotoStore
    media: MediaLimits


@dataclass(frozen=True)
class Filed:
    """A stored report's answer: 201 when new, 200 for a replay of the same POST."""

    service_request_id: str
    token: str
    service_notice: str
    replay: bool

    @property
    def status(self) -> int:
        return 200 if self.replay else 201


class FilingRefused(Open311Error):
    """An Open311 error answer; `retry_after` (seconds) for 429 and 503."""

    def __init__(self, status: int, *errors: tuple[int | str, str], retry_after: int | None = None):
        super().__init__(status, *errors)
        self.retry_after = retry_after


class _Stop(Exception):
    """A refusal on its way out: the answer, and the ApiPost outcome and detail."""

    def __init__(self, refused: FilingRefused, outcome: str, detail: str):
        super().__init__(outcome)
        self.refused, self.outcome, self.detail = refused, outcome, detail


def _stop(
    status: int,
    field: str,
    message: str,
    outcome: str,
    detail: str | None = None,
    retry_after: int | None = None,
) -> _Stop:
    refused = FilingRefused(status, (status, f"{field}: {message}"), retry_after=retry_after)
    return _Stop(refused, outcome, detail or field)


def submission_key_for(secret: str, api_key_id: int, header: str) -> str:
    """The report's submission key for a client's Idempotency-Key: keyed by the API key,
    so two applications that pick the same header value never share a report."""
    mac = hmac.new(
        secret.encode(), f"open311-idempotency\n{api_key_id}\n{header}".encode(), "sha256"
    )
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def file_request(
    form: Mapping[str, str],
    *,
    idempotency_key: str | None,
    remote_addr: str | None,
    locale: str,
    router: Router,
    settings: FilingSettings,
    now: datetime | None = None,
    repeated: Collection[str] = (),
) -> Filed:
    """File the POSTed report, or raise FilingRefused; every POST leaves an ApiPost row.

    `repeated`: the form fields sent more than once (`form` holds their first values);
    each is a 400, so `attribute[anonymous]=false&attribute[anonymous]=true` is never
    read one way by us and the other way by the client that meant it.
    Call inside `force_locale(locale)`: error descriptions and the notice are in it.
    """
    code = (form.get("service_code") or "").strip()
    post = ApiPost(
        received_at=now or utcnow(),
        remote_addr=(remote_addr or "")[:64] or None,
        service_code="".join(ch for ch in code if ch.isprintable())[:CODE_MAX] or None,
    )
    try:
        return _file(
            post, form, idempotency_key, remote_addr, locale, router, settings, now, repeated
        )
    except _Stop as stop:
        db.session.rollback()
        if post.api_key_id is not None or stop.outcome != "rate-limited":
            _record(post, stop.outcome, stop.detail)  # a keyless flood leaves no rows
        raise stop.refused from None
    except DATABASE_DOWN:
        raise  # nothing can be recorded; the app's 503 answers
    except Exception:
        db.session.rollback()
        with contextlib.suppress(Exception):  # the error itself matters more than its record
            _record(post, "error", "internal")
        raise


def _record(
    post: ApiPost,
    outcome: str,
    detail: str | None,
    complaint_id: int | None = None,
    token: str | None = None,
) -> None:
    post.outcome, post.detail = outcome, detail
    post.complaint_id, post.token = complaint_id, token
    if post.api_key_id is not None:
        key = db.session.get(ApiKey, post.api_key_id)
        if key is not None:
            key.last_used_at = post.received_at
    db.session.add(post)
    db.session.commit()


def _file(
    post: ApiPost,
    form: Mapping[str, str],
    idempotency_key: str | None,
    remote_addr: str | None,
    locale: str,
    router: Router,
    settings: FilingSettings,
    now: datetime | None,
    repeated: Collection[str],
) -> Filed:
    key, point = _authorized(post, form, router, remote_addr)
    region = point.region
    submission_key, problems = _submission_key(settings.secret, key.id, idempotency_key)
    parsed = parse_form(
        form,
        submission_key=submission_key,
        locale=locale,
        place=Place(region.timezone, bool(region.whatsapp), bool(region.sms), region.bounds),
        today=local_date(now or utcnow(), region.timezone),
        categories=router.category_ids,
    )
    problems.update(parsed.problems)
    for name in sorted(repeated)[:REPEATED_SHOWN]:
        problems.setdefault(field_name(name), Problem(N_("Kirim bidang ini sekali saja.")))
    if problems:
        raise _invalid(problems)
    report = parsed.report

    first = _first_of(settings.secret, submission_key)
    if first is not None:  # the same Idempotency-Key again: nothing is fetched or counted
        return _replay_or_conflict(post, first, point, report, settings.secret)

    verdict = screen(
        list_key(),
        region.id,
        phone=report.reporter_phone,
        email=report.reporter_email,
        address=remote_addr,
    )
    if verdict == REFUSE:
        raise _stop(403, "request", _("Laporan ini tidak dapat diterima."), "refused", "abuse-list")
    photos = []
    if parsed.media_url:
        try:
            photos.append(fetch_photo(parsed.media_url, settings.media))
        except MediaRefused as exc:
            raise _stop(
                400, "media_url", _(exc.message), "media", f"media_url:{exc.reason}"
            ) from None
    # Counted after the photo: a POST refused for its media_url is sent again with another
    # one, and must not spend the same text's budget (2 an hour) on the way.
    refusal = check_report(point.ids, report.title, report.description, per_client=False)
    if refusal is not None:
        raise _too_many(refusal)
    try:
        receipt = submit_report(
            point.ids,
            report,
            photos,
            channel=channels.API,
            router=router,
            store=settings.store,
            secret=settings.secret,
            now=now,
            quarantine=verdict == QUARANTINE,
            api_key_id=key.id,
        )
    except InvalidReport as exc:  # the routing changed under the request
        raise _invalid({OPEN311_FIELD.get(n, n): p for n, p in exc.problems.items()}) from None
    except UnknownServicePoint:
        raise _unknown_service() from None
    except SubmissionConflict:
        raise _conflict() from None
    except StorageFailure:
        raise _stop(
            503,
            "media_url",
            _("Foto tidak dapat disimpan saat ini. Coba lagi nanti."),
            "error",
            "storage",
            retry_after=STORAGE_RETRY_AFTER,
        ) from None
    complaint = by_tracking_code(receipt.tracking_code)
    if receipt.duplicate:  # the same key won a race against itself
        return _replay_or_conflict(post, complaint, point, report, settings.secret)
    token = secrets.token_urlsafe(24)
    _record(post, "created", None, complaint.id, token)
    return Filed(receipt.tracking_code, token, _notice(complaint), replay=False)


def _authorized(
    post: ApiPost, form: Mapping[str, str], router: Router, remote_addr: str | None
) -> tuple[ApiKey, ServicePoint]:
    """The key (403; 429 per address for a flood without one), its rate limit (429), the
    service point (404), the key's regions."""
    key = find_active_key(form.get("api_key"))
    if key is None:
        refusal = check_keyless(remote_addr)
        if refusal is not None:
            raise _too_many(refusal)
        raise _stop(
            403,
            "api_key",
            _("Kunci API tidak ada, tidak dikenal, atau sudah dicabut."),
            "forbidden",
        )
    post.api_key_id = key.id
    refusal = check_key(key.id)
    if refusal is not None:
        raise _too_many(refusal)
    point = _service_point(router, form)
    if not key.may_file_in(point.region.id):
        raise _stop(
            403,
            "api_key",
            _("Kunci API ini tidak berlaku untuk daerah layanan ini."),
            "forbidden",
            "api_key:region",
        )
    return key, point


def _submission_key(
    secret: str, api_key_id: int, header: str | None
) -> tuple[str, dict[str, Problem]]:
    """The report's submission key from the Idempotency-Key header, else a random one."""
    if header is None:
        return secrets.token_urlsafe(24), {}
    value = header.strip()
    if not IDEMPOTENCY_KEY.match(value):
        problem = Problem(N_("Harus 16 sampai 64 karakter: huruf, angka, '-' atau '_'."))
        return secrets.token_urlsafe(24), {"Idempotency-Key": problem}
    return submission_key_for(secret, api_key_id, value), {}


def _service_point(router: Router, form: Mapping[str, str]) -> ServicePoint:
    point = router.by_short_code((form.get("service_code") or "").strip())
    if point is None:
        raise _unknown_service()
    jurisdiction = (form.get("jurisdiction_id") or "").strip()
    if jurisdiction:
        region = router.region(jurisdiction)
        if region is None:
            raise _stop(404, "jurisdiction_id", _("Yurisdiksi tidak dikenal."), "invalid")
        if region.id != point.region.id:
            raise _unknown_service()
    return point


def _unknown_service() -> _Stop:
    return _stop(404, "service_code", _("Kode layanan tidak dikenal."), "invalid")


def _conflict() -> _Stop:
    return _stop(
        409,
        "Idempotency-Key",
        _("Kunci ini sudah dipakai untuk laporan dengan isi lain. Pakai kunci baru."),
        "invalid",
        "Idempotency-Key:conflict",
    )


def _too_many(refusal: Refusal) -> _Stop:
    return _stop(
        429,
        "api_key" if refusal.limit == "open311_post_per_key" else "request",
        _(
            "Terlalu banyak laporan dalam waktu singkat. Coba lagi dalam %(num)d detik.",
            num=refusal.retry_after,
        ),
        "rate-limited",
        refusal.limit,
        retry_after=refusal.retry_after,
    )


def _invalid(problems: Mapping[str, Problem]) -> _Stop:
    errors = [(400, f"{field}: {problem.render(_)}") for field, problem in problems.items()]
    refused = FilingRefused(400, *errors)
    # field names only, and none that may be what a client typed in the wrong place
    recorded = sorted(
        {field if FIELD_SHAPE.fullmatch(field) else OTHER_FIELD for field in problems}
    )
    return _Stop(refused, "invalid", ",".join(recorded)[:1000])


def _first_of(secret: str, submission_key: str) -> Complaint | None:
    digest = submission_digest(secret, submission_key)
    stmt = select(Complaint).where(Complaint.submission_digest == digest)
    return db.session.execute(stmt).scalar_one_or_none()


def _replay_or_conflict(
    post: ApiPost, first: Complaint, point: ServicePoint, report, secret: str
) -> Filed:
    """The first answer for the same POST; 409, telling nothing, for other content."""
    same = content_digest(secret, report_content(point.ids, report))
    if first.content_digest is None or not hmac.compare_digest(first.content_digest, same):
        raise _conflict()
    stmt = (
        select(ApiPost.token)
        .where(ApiPost.complaint_id == first.id, ApiPost.outcome == "created")
        .order_by(ApiPost.id)
        .limit(1)
    )
    token = db.session.execute(stmt).scalar_one_or_none()
    code, notice = first.tracking_code, _notice(first)
    _record(post, "replay", None, first.id, None)
    return Filed(code, token or "", notice, replay=True)


def _notice(complaint: Complaint) -> str:
    return _(
        "Laporan diterima. Batas waktu verifikasi: %(date)s.",
        date=format_date(complaint.verify_due, format="long"),
    )

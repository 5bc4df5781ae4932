"""Filing a report: route it, set its working-day deadlines, store it in one transaction."""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import deadlines_for, local_date
from portal.clocks.due import NO_DEADLINE
from portal.complaints import orphans, status
from portal.complaints.access import (
    access_token_for,
    content_digest,
    submission_digest,
    token_hash,
)
from portal.complaints.channels import CHANNELS
from portal.complaints.models import Complaint, Event, Photo
from portal.complaints.photos import ProcessedPhoto
from portal.complaints.tracking_codes import new_tracking_code
from portal.extensions import db
from portal.intake.report import InvalidReport, NewReport
from portal.notifications.hooks import on_quarantined, on_submitted
from portal.observability.counters import count_submission
from portal.phone_numbers import msisdn_or_none
from portal.photo_store import PhotoStore
from portal.routing.loader import Router
from portal.timeutil import utcnow

CODE_ATTEMPTS = 8


@dataclass(frozen=True)
class Receipt:
    tracking_code: str
    access_token: str
    duplicate: bool


class SubmissionConflict(ValueError):
    """The form's key was already used for a report with other content.

    Nothing about that report is told: a key alone must not open a report. The channel keeps
    what was typed and offers a fresh form key, so sending again files a new report.
    """


def report_content(service_point: tuple[str, str, str], report: NewReport) -> dict[str, object]:
    """What makes two POSTs "the same form": the service point and every typed field."""
    fields = asdict(report)
    fields.pop("submission_key")
    fields.pop("locale")
    if fields.get("notify_via") is None:
        fields.pop("notify_via", None)  # digests of reports filed before the choice existed
    for name in ("latitude", "longitude", "address_id"):  # likewise, before Open311
        if fields.get(name) is None:
            fields.pop(name, None)
    return {"service_point": "/".join(service_point), **fields}


def submit_report(
    service_point: tuple[str, str, str],
    report: NewReport,
    photos: Sequence[ProcessedPhoto],
    *,
    channel: str,
    router: Router,
    store: PhotoStore,
    secret: str,
    now: datetime | None = None,
    quarantine: bool = False,
    filed_by: int | None = None,
    api_key_id: int | None = None,
) -> Receipt:
    """Store the report with its photos, first event, routing decision and deadlines.

    `channel` is the door it came through (`CHANNELS`). Raises InvalidReport when the
    report breaks the intake rules (channels check first, for friendly errors; this is the
    check no channel can skip) and UnknownServicePoint if the IDs route nowhere. A replay
    of the same form (same submission key) stores nothing and returns the first
    submission's receipt; the same key with other content raises SubmissionConflict
    (storing nothing and telling nothing about the first report). `quarantine` (the
    region's abuse list said so) stores it held back: status quarantined, no deadline
    running, nobody notified until it is released. `filed_by`: the staff account that filed
    it for the citizen (a clerk at the counter), recorded as the first event's actor.
    `api_key_id`: the Open311 client application's key it was filed with.

    Photos are written before the transaction and removed on every path that stores no
    row: StorageFailure (a photo could not be written; none is left in `store` and nothing is
    stored, so the same form key may send again, e.g. without the photos), a refusal, a
    database error. When the connection drops during COMMIT (the row may exist) the files
    are kept only if a row holds them (`portal.complaints.orphans`).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    submitted_at = now or utcnow()
    key_digest = submission_digest(secret, report.submission_key or "")
    same_content = content_digest(secret, report_content(service_point, report))
    token = access_token_for(secret, key_digest)
    point = router.find_service_point(*service_point)
    if point is not None:  # an unknown one is refused by route() below
        problems = report.problems(
            today=local_date(submitted_at, point.region.timezone),
            categories=router.category_ids,
            photo_count=len(photos),
            bounds=point.region.bounds,
        )
        if problems:
            first = _by_digest(key_digest) if report.submission_key else None
            if first is not None and _same_form(first, same_content):
                # a replay of a report stored before the rules changed
                return Receipt(first.tracking_code, token, duplicate=True)
            raise InvalidReport(problems)
    # No look-up first: the unique submission key catches a replay at insert time, so the
    # common case (a new report) costs one round trip less.
    destination = router.route(
        *service_point, classification=report.classification, category=report.category
    )
    due = deadlines_for(
        submitted_at,
        destination.region.timezone,
        destination.clocks,
        report.classification,
        False,
        calendar_for(router.holidays_for(destination.region.id)),
    )
    origin = destination.origin
    orphans.PENDING.settle()  # files of an earlier in-doubt commit, once the database answers
    keys: list[str] = []
    try:
        for p in photos:
            keys.append(store.save(p.data))
    except BaseException:  # StorageFailure, or the request was cut off between photos
        _delete_all(store, keys)
        raise
    in_doubt = False
    try:
        for _ in range(CODE_ATTEMPTS):
            complaint = Complaint(
                tracking_code=new_tracking_code(destination.region.prefix),
                access_token_hash=token_hash(token),
                submission_digest=key_digest,
                content_digest=same_content,
                region_id=destination.region.id,
                origin_agency_id=origin.agency.id,
                origin_unit_id=origin.unit.id,
                origin_service_id=origin.service.id,
                agency_id=destination.agency.id,
                unit_id=destination.unit.id,
                classification=report.classification,
                category=report.category,
                supervised=False,
                title=report.title,
                description=report.description,
                incident_date=report.incident_date,
                location=report.location,
                latitude=report.latitude,
                longitude=report.longitude,
                address_id=report.address_id,
                api_key_id=api_key_id,
                reporter_name=None if report.anonymous else report.reporter_name,
                reporter_phone=report.reporter_phone,
                reporter_msisdn=msisdn_or_none(report.reporter_phone),
                notify_via=report.notify_via,
                reporter_email=report.reporter_email,
                anonymous=report.anonymous,
                confidential=report.confidential,
                locale=report.locale,
                channel=channel,
                status=status.QUARANTINED if quarantine else status.NEW,
                routing_version=destination.version,
                routing_rule=destination.rule_id,
                submitted_at=submitted_at,
                verify_due=due.verify_due,
                followup_due=due.followup_due,
                due_key=NO_DEADLINE if quarantine else due.verify_due,
                clocks_json=json.dumps(asdict(destination.clocks)),
                photos=[
                    Photo(
                        storage_key=key,
                        content_type=p.content_type,
                        width=p.width,
                        height=p.height,
                        byte_size=len(p.data),
                        sha256=p.sha256,
                    )
                    for key, p in zip(keys, photos, strict=True)
                ],
                events=[
                    Event(
                        kind="submitted",
                        actor_user_id=filed_by,
                        public=True,
                        created_at=submitted_at,
                    )
                ],
            )
            db.session.add(complaint)
            (on_quarantined if quarantine else on_submitted)(complaint)
            code = complaint.tracking_code  # read now: commit expires the object
            try:
                db.session.flush()  # an error up to here means surely nothing is stored
                in_doubt = True
                db.session.commit()
                in_doubt = False
            except IntegrityError:
                in_doubt = False
                db.session.rollback()
                first = _by_digest(key_digest)
                if first is not None:  # the same key won a race against itself
                    _delete_all(store, keys)
                    return _replay(first, token, same_content)
                continue  # tracking-code collision: draw another
            count_submission(channel)  # stored: a replay returned above, uncounted
            return Receipt(code, token, duplicate=False)
        raise RuntimeError("could not draw a free tracking code")
    except BaseException:
        db.session.rollback()
        if in_doubt:
            _settle_in_doubt(store, keys)
        else:
            _delete_all(store, keys)
        raise


def _by_digest(digest: str) -> Complaint | None:
    stmt = select(Complaint).where(Complaint.submission_digest == digest)
    return db.session.execute(stmt).scalar_one_or_none()


def _same_form(first: Complaint, same_content: str) -> bool:
    stored = first.content_digest
    return stored is not None and hmac.compare_digest(stored, same_content)


def _replay(first: Complaint, token: str, same_content: str) -> Receipt:
    """The first receipt for the same form; a conflict, telling nothing, for anything else."""
    if not _same_form(first, same_content):
        raise SubmissionConflict("submission key reused with other content")
    return Receipt(first.tracking_code, token, duplicate=True)


def _settle_in_doubt(store: PhotoStore, keys: list[str]) -> None:
    """COMMIT failed and may yet go through: the files wait (orphans.PENDING), never deleted
    now, since a row that is not visible yet may still be committed."""
    if keys:
        orphans.after_unknown_commit(store, keys)


def _delete_all(store: PhotoStore, keys: list[str]) -> None:
    for key in keys:
        store.delete(key)

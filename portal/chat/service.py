"""One inbound chat message, handled: stored once, rate limited per number, moved through
the dialogue (portal.chat.dialogue), its effect performed, its answers written to the phone
outbox in the same transaction as the conversation's change. The webhooks and the
`chat say` demo both call `handle_message`, so the demo is the real thing.

Idempotency rests on the unique (medium, provider_id) of ChatInbound: the row is flushed
first and a second delivery of the same message fails there (IntegrityError: already
handled), whatever the timing. Filing is the one step that commits in the middle
(submit_report commits the report with the ChatInbound row); its submission key is drawn
when the conversation starts, so a replayed "YA" returns the first receipt, never a second
report.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.abuse.keys import list_key
from portal.abuse.models import QUARANTINE, REFUSE
from portal.abuse.services import screen
from portal.chat import dialogue as d
from portal.chat.media import MediaTemporarilyDown, MediaUnavailable
from portal.chat.models import ChatConversation, ChatDraftPhoto, ChatInbound
from portal.chat.replies import named_code
from portal.clocks.deadlines import local_date
from portal.complaints import channels
from portal.complaints.access import access_token_for, submission_digest
from portal.complaints.photos import PhotoRejected, ProcessedPhoto, process_photo
from portal.complaints.storage import StorageFailure
from portal.extensions import db
from portal.intake.report import MAX_PHOTOS, InvalidReport
from portal.intake.submission import Receipt, SubmissionConflict, submit_report
from portal.messaging.models import PhoneMessage
from portal.messaging.outbox import CHAT, add_phone_message
from portal.phone_numbers import masked
from portal.photo_store import photo_store
from portal.routing.active import get_router
from portal.routing.model import ServicePoint, UnknownServicePoint
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

FLOOD_WINDOW = timedelta(minutes=10)
MEDIUM_CHANNEL = {"whatsapp": channels.WHATSAPP, "sms": channels.SMS}


class MediaSource(Protocol):
    def fetch(self, media_id: str, *, max_bytes: int) -> bytes: ...


class TemporaryFailure(Exception):
    """Nothing was stored; the provider should deliver the message again (HTTP 503)."""


@dataclass(frozen=True)
class Inbound:
    """A message as the webhook parsed it."""

    medium: str
    msisdn: str
    provider_id: str
    message: d.Message
    media_id: str | None = None


@dataclass
class Handled:
    duplicate: bool = False
    answers: list[str] = field(default_factory=list)
    receipt: Receipt | None = None
    flooded: bool = False


# --- rendering ---------------------------------------------------------------------------------


def render(say: d.Say, locale: str) -> tuple[str, list[tuple[str, str]]]:
    """The answer's text and choices in the conversation's language."""
    with force_locale(locale):
        params = {k: _param(v) for k, v in say.params.items()}
        text = _(say.message)
        if params:
            text = text % params
        choices = [(cid, _(label)) for cid, label in say.choices]
    return text, choices


def _param(value):
    if isinstance(value, dict) and "msgid" in value:
        return _(value["msgid"])
    if isinstance(value, LazyString):  # a label, read in the conversation's language
        return str(value)
    return value


def _write(
    conv: ChatConversation, says, locale: str, region_id: str | None, now, handled: Handled
) -> None:
    for say in says:
        text, choices = render(say, locale)
        add_phone_message(
            conv.medium,
            conv.msisdn,
            CHAT,
            body=text,
            choices=choices,
            locale=locale,
            region_id=region_id,
            now=now,
        )
        handled.answers.append(text)


# --- the entry point ---------------------------------------------------------------------------


def handle_message(
    inbound: Inbound, *, media: MediaSource | None, now: datetime | None = None
) -> Handled:
    """Handle one message and commit; TemporaryFailure when it must be delivered again."""
    now = now or utcnow()
    handled = Handled()
    get_router()  # loaded (and, the first time, recorded) before this transaction writes
    fetched = _prefetch(inbound, media, now)
    if not _claim(inbound, now):
        handled.duplicate = True
        return handled
    config = current_app.config
    conv = _conversation(inbound.medium, inbound.msisdn, now)
    if inbound.medium == "whatsapp":
        conv.last_inbound_at = now
    count = _recent_count(inbound.msisdn, now)
    limit = config["CHAT_FLOOD_LIMIT"]
    if count > limit:
        handled.flooded = True
        log.info("chat flood from %s: %s messages in 10 minutes", masked(inbound.msisdn), count)
        if count == limit + 1:  # told once; after that, silence
            say = d.Say(
                d.N_(
                    "Terlalu banyak pesan dari nomor ini dalam waktu singkat. Pesan berikutnya "
                    "tidak kami proses selama 10 menit; coba lagi nanti."
                )
            )
            _write(conv, [say], conv.locale, _region_of(conv), now, handled)
        db.session.commit()
        return handled
    state = d.State(conv.step or d.IDLE, json.loads(conv.data_json or "{}"), conv.locale or "id")
    says: list[d.Say] = []
    timeout = timedelta(minutes=config["CHAT_TIMEOUT_MINUTES"])
    if state.step != d.IDLE and conv.updated_at is not None and now - conv.updated_at > timeout:
        state, told = d.timed_out(state)
        says.extend(told)
        conv.photos.clear()
    facts, processed = _facts(inbound, state, conv, media, now, fetched)
    outcome = d.advance(state, inbound.message, facts)
    says.extend(outcome.says)
    state = outcome.state
    if outcome.effect == d.CLEAR_PHOTOS:
        conv.photos.clear()
    elif outcome.effect == d.KEEP_PHOTO and processed is not None:
        conv.photos.append(
            ChatDraftPhoto(
                data=processed.data,
                content_type=processed.content_type,
                width=processed.width,
                height=processed.height,
                sha256=processed.sha256,
                created_at=now,
            )
        )
    elif outcome.effect == d.FILE:
        return _file(inbound, conv, state, says, now, handled)
    elif outcome.effect in (d.TO_CASE, d.RATE_COMMENT_EFFECT):
        from portal.chat.replies import to_case

        state, more = to_case(inbound, state, outcome.effect, now)
        says.extend(more)
    _save(conv, state, now)
    _write(conv, says, state.locale, _region_of(conv), now, handled)
    db.session.commit()
    return handled


def _prefetch(inbound: Inbound, media, now: datetime):
    """The photo, downloaded and re-encoded before this message writes anything: the
    download may take seconds, and on SQLite a flushed row holds the one write lock
    over every other citizen's webhook and web form for as long. Only when the message
    would be taken as a photo (a new message, not flooded, the draft at its photo step);
    None otherwise (then `_facts` decides again, and fetches inline if that changed)."""
    if inbound.message.kind != "image" or not inbound.media_id or media is None:
        return None
    seen = select(ChatInbound.id).where(
        ChatInbound.medium == inbound.medium,
        ChatInbound.provider_id == inbound.provider_id[:128],
    )
    stmt = select(ChatConversation).where(
        ChatConversation.medium == inbound.medium, ChatConversation.msisdn == inbound.msisdn
    )
    conv = db.session.execute(stmt).scalar_one_or_none()
    wanted = (
        conv is not None
        and conv.step == d.PHOTO
        and len(conv.photos) < MAX_PHOTOS
        and _still_fresh(conv, now)
        and db.session.execute(seen).first() is None
        and _recent_count(inbound.msisdn, now) < current_app.config["CHAT_FLOOD_LIMIT"]
    )
    db.session.commit()  # nothing written: ends the read before the download
    return _photo(inbound, media) if wanted else None


def _claim(inbound: Inbound, now: datetime) -> bool:
    """Store the provider's id; False when it was stored before (a replayed webhook)."""
    row = ChatInbound(
        medium=inbound.medium,
        provider_id=inbound.provider_id[:128],
        msisdn=inbound.msisdn,
        kind=inbound.message.kind[:12],
        received_at=now,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _conversation(medium: str, msisdn: str, now: datetime) -> ChatConversation:
    stmt = select(ChatConversation).where(
        ChatConversation.medium == medium, ChatConversation.msisdn == msisdn
    )
    conv = db.session.execute(stmt).scalar_one_or_none()
    if conv is not None:
        return conv
    conv = ChatConversation(
        medium=medium, msisdn=msisdn, step=d.IDLE, data_json="{}", locale="id", updated_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(conv)
    except IntegrityError:  # the same number's other message created it just now
        return db.session.execute(stmt).scalar_one()
    return conv


def _recent_count(msisdn: str, now: datetime) -> int:
    stmt = select(func.count()).where(
        ChatInbound.msisdn == msisdn, ChatInbound.received_at > now - FLOOD_WINDOW
    )
    return db.session.execute(stmt).scalar_one()


def _region_of(conv: ChatConversation) -> str | None:
    try:
        data = json.loads(conv.data_json or "{}")
    except ValueError:
        return None
    return (data.get("point") or {}).get("region_id")


def _save(conv: ChatConversation, state: d.State, now: datetime) -> None:
    if state.step == d.IDLE and conv.step != d.IDLE:
        conv.started_at = None
    elif state.step != d.IDLE and conv.step == d.IDLE:
        conv.started_at = now
    conv.step = state.step
    conv.data_json = json.dumps(state.data, ensure_ascii=False)
    conv.locale = state.locale
    conv.updated_at = now


# --- facts -------------------------------------------------------------------------------------


def point_facts(point: ServicePoint, medium: str) -> d.Point:
    return d.Point(
        code=point.short_code,
        ids=point.ids,
        name=f"{point.unit.name}, {point.agency.name}",
        region_id=point.region.id,
        open=bool(getattr(point.region, medium, None)),
    )


def _facts(inbound: Inbound, state: d.State, conv, media, now, fetched=None):
    router = get_router()
    text = inbound.message.text or ""
    point = unknown = None
    if inbound.message.kind != "image":
        for code in d.code_candidates(text):
            found = router.by_short_code(code)
            if found is not None:
                point = point_facts(found, inbound.medium)
                break
        if point is None and named_code(text)[0] is None:  # a tracking code is no poster code
            unknown = d.looks_like_code(text)
    region = (state.data.get("point") or {}).get("region_id")
    zone = router.timezone_for(region) if region and router.region(region) else "Asia/Jakarta"
    photo = processed = None
    count = len(conv.photos)
    if (
        inbound.message.kind == "image"
        and state.step == d.PHOTO
        and count < MAX_PHOTOS
        and _still_fresh(conv, now)
    ):
        photo, processed = fetched or _photo(inbound, media)
    facts = d.Facts(
        point=point,
        unknown_code=unknown,
        photo=photo,
        photo_count=count,
        today=local_date(now, zone),
        msisdn=inbound.msisdn,
        medium=inbound.medium,
    )
    return facts, processed


def _still_fresh(conv: ChatConversation, now: datetime) -> bool:
    timeout = timedelta(minutes=current_app.config["CHAT_TIMEOUT_MINUTES"])
    return conv.updated_at is None or now - conv.updated_at <= timeout


def _photo(inbound: Inbound, media) -> tuple[str, ProcessedPhoto | None]:
    """Download and run the photo through the web form's pipeline (re-encoded, metadata
    dropped); the outcome for the dialogue."""
    config = current_app.config
    if media is None or not inbound.media_id:
        return "download-failed", None
    try:
        raw = media.fetch(inbound.media_id, max_bytes=config["PHOTO_MAX_BYTES"])
        photo = process_photo(
            raw, max_bytes=config["PHOTO_MAX_BYTES"], max_pixels=config["PHOTO_MAX_PIXELS"]
        )
    except PhotoRejected as exc:
        return exc.reason, None
    except MediaUnavailable as exc:
        log.info("chat photo from %s not fetched: %s", masked(inbound.msisdn), exc)
        return "download-failed", None
    except MediaTemporarilyDown as exc:
        db.session.rollback()
        raise TemporaryFailure(str(exc)) from exc
    return "ok", photo


# --- filing ------------------------------------------------------------------------------------


def _file(inbound, conv, state: d.State, says, now, handled: Handled) -> Handled:
    """Screen, then submit; the conversation goes back to idle only when it was filed."""
    router = get_router()
    data = state.data
    locale = state.locale
    region_id = data["point"]["region_id"]
    report = d.report_of(data, msisdn=inbound.msisdn, medium=inbound.medium, locale=locale)
    verdict = screen(list_key(), region_id, phone=report.reporter_phone)
    if verdict == REFUSE:
        log.info("chat report refused by the abuse list (%s)", masked(inbound.msisdn))
        says.append(
            d.Say(
                d.N_(
                    "Maaf, laporan dari nomor ini tidak dapat kami terima. Bila menurut Anda "
                    "ini keliru, hubungi kantor pelayanan secara langsung."
                )
            )
        )
        conv.photos.clear()
        _save(conv, d.State(d.IDLE, {}, locale), now)
        _write(conv, says, locale, region_id, now, handled)
        db.session.commit()
        return handled
    photos = [
        ProcessedPhoto(p.data, p.content_type, p.width, p.height, p.sha256) for p in conv.photos
    ]
    conv_id = conv.id
    failure: d.Say | None = None
    try:
        receipt = submit_report(
            tuple(data["point"]["ids"]),
            report,
            photos,
            channel=MEDIUM_CHANNEL[inbound.medium],
            router=router,
            store=photo_store(),
            secret=current_app.config["SECRET_KEY"],
            now=now,
            quarantine=verdict == QUARANTINE,
        )
    except UnknownServicePoint:
        failure = d.Say(
            d.N_(
                "Layanan ini sudah tidak ada di portal. Kirim kode layanan lain dari poster "
                "yang masih berlaku."
            )
        )
        state = d.State(d.IDLE, {}, locale)
    except InvalidReport as exc:
        first = next(iter(exc.problems.values()))
        failure = d.Say(first.message, dict(first.params))
        state = d.State(d.IDLE, {}, locale)
    except StorageFailure:
        failure = d.Say(
            d.N_(
                "Laporan belum dapat disimpan karena gangguan teknis. Balas YA lagi dalam "
                "beberapa menit; isian Anda masih kami simpan."
            )
        )
    except SubmissionConflict:  # cannot happen with a key drawn here; say nothing of it
        failure = d.Say(d.N_("Laporan belum terkirim. Balas BATAL lalu mulai lagi."))
        state = d.State(d.IDLE, {}, locale)
    # submit_report committed (or rolled back) the session: the rows are read again.
    conv = db.session.get(ChatConversation, conv_id)
    complaint_id = None
    if failure is None:
        from portal.complaints.queries import by_tracking_code

        handled.receipt = Receipt(receipt.tracking_code, receipt.access_token, receipt.duplicate)
        filed = by_tracking_code(receipt.tracking_code)
        complaint_id = filed.id if filed is not None else None
        says.extend(d.filed_says(data, receipt_follows=_receipt_written(filed, inbound)))
        state = d.State(d.IDLE, {}, locale)
    else:
        says.append(failure)
    _reclaim(inbound, now, complaint_id)
    if state.step == d.IDLE:
        conv.photos.clear()
    _save(conv, state, now)
    if inbound.medium == "whatsapp":
        conv.last_inbound_at = now
    _write(conv, says, locale, region_id, now, handled)
    db.session.commit()
    return handled


def _receipt_written(filed, inbound: Inbound) -> bool:
    """Whether the report's receipt went into the outbox for this very chat (same medium,
    same number): then it, not a second "thank you", answers the YA."""
    if filed is None:
        return False
    stmt = select(PhoneMessage.id).where(
        PhoneMessage.complaint_id == filed.id,
        PhoneMessage.kind == "receipt",
        PhoneMessage.medium == inbound.medium,
        PhoneMessage.recipient == inbound.msisdn,
    )
    return db.session.execute(stmt.limit(1)).first() is not None


def _reclaim(inbound: Inbound, now: datetime, complaint_id: int | None) -> None:
    """The ChatInbound row after submit_report: committed with the report, or rolled back
    with a refusal (then stored again now, so the message stays handled once)."""
    stmt = select(ChatInbound).where(
        ChatInbound.medium == inbound.medium,
        ChatInbound.provider_id == inbound.provider_id[:128],
    )
    row = db.session.execute(stmt).scalar_one_or_none()
    if row is None:
        row = ChatInbound(
            medium=inbound.medium,
            provider_id=inbound.provider_id[:128],
            msisdn=inbound.msisdn,
            kind=inbound.message.kind[:12],
            received_at=now,
        )
        db.session.add(row)
    if complaint_id is not None:
        row.complaint_id = complaint_id


def private_link(receipt: Receipt) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/lacak/{receipt.tracking_code}?t={receipt.access_token}"


def token_for_key(key: str) -> str:
    """The private-link token of the report filed with this submission key."""
    secret = current_app.config["SECRET_KEY"]
    return access_token_for(secret, submission_digest(secret, key))

"""Acting on a case: one transaction per action, always with an event.

Views check scope (404) before calling here; this module checks the state machine
(403/409), the form's version (conflict) and the input, then changes the case and its
clocks together. Plain values in; CaseError subclasses out, for the view to map.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts import roles
from portal.accounts.models import User
from portal.cases import holders, transfers, transitions
from portal.clocks.calendar import WorkingCalendar, calendar_for
from portal.clocks.deadlines import local_date
from portal.clocks.due import NO_DEADLINE, resume_after_hold
from portal.complaints import status as s
from portal.complaints.models import Complaint, Event
from portal.dashboard.hooks import recap_changed
from portal.dashboard.metrics import answered_on_time, working_days_taken
from portal.extensions import db
from portal.notifications.hooks import on_case_event
from portal.plain_text import has_control
from portal.routing.engine import Router
from portal.routing.model import HOLD_CLOSE, Clocks
from portal.timeutil import utcnow
from portal.url_ids import is_row_id

NATIONAL = transfers.NATIONAL
NO_ANSWER = "no-answer"  # reject_reason of a case closed because a hold ran out
MAX_TEXT = 5000


class CaseError(Exception):
    """Base of what an action can refuse; `field` names the form input when there is one."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ActionInputError(CaseError):
    """The input is wrong (400): an empty text, a rating outside 1–5, an unknown unit."""


class CaseConflict(CaseError):
    """Someone else changed the case since this form was opened (409); nothing was saved."""


class WindowClosed(CaseError):
    """The citizen's feedback window is over (409): the case can no longer be reopened."""


@dataclass(frozen=True)
class Actor:
    role: str  # a staff role, transitions.CITIZEN or transitions.SYSTEM
    user_id: int | None = None


@dataclass(frozen=True)
class ActionInput:
    text: str | None = None
    agency_id: str | None = None
    unit_id: str | None = None
    supervised: bool = False
    duplicate_of: str | None = None
    forward_to: str | None = None  # "sp4n-lapor" (forward) or a region id (transfer)
    rating: int | None = None
    assignee_id: int | None = None  # assign: the officer who will hold the case


@dataclass
class _Context:
    complaint: Complaint
    data: ActionInput
    actor: Actor
    router: Router
    now: datetime
    today: date
    calendar: WorkingCalendar
    clocks: Clocks
    scope: Select | None = None
    follow_up_events: list[Event] = field(default_factory=list)


def perform(
    complaint: Complaint,
    action: str,
    actor: Actor,
    data: ActionInput,
    *,
    router: Router,
    expected_version: int | None,
    now: datetime | None = None,
    scope: Select | None = None,
) -> Event:
    """Apply `action` and commit, or raise without changing anything.

    Order of refusals: the role (403), then a stale page (conflict), then the status (409),
    so someone acting on an old page is told that the case changed, not merely that the
    action is impossible now. `scope` is the acting staff member's `visible_complaints`:
    an action that names another case (archive as a duplicate of …) may only name one the
    actor can open.
    """
    event = apply_action(
        complaint,
        action,
        actor,
        data,
        router=router,
        expected_version=expected_version,
        now=now,
        scope=scope,
    )
    commit_actions()
    return event


def commit_actions() -> None:
    """Commit what `apply_action` changed; a concurrent change is a conflict, not a loss."""
    try:
        db.session.commit()
    except StaleDataError as exc:  # another request committed between our read and write
        db.session.rollback()
        raise CaseConflict(
            str(_l("Laporan ini sudah diubah orang lain sejak Anda membukanya."))
        ) from exc


def apply_action(
    complaint: Complaint,
    action: str,
    actor: Actor,
    data: ActionInput,
    *,
    router: Router,
    expected_version: int | None,
    now: datetime | None = None,
    scope: Select | None = None,
) -> Event:
    """`perform` without the commit, so several cases can change in one transaction (the
    queue's bulk archive); the caller commits with `commit_actions` or rolls back."""
    transitions.require_actor(action, actor.role)
    if expected_version is not None and expected_version != complaint.version_id:
        raise CaseConflict(str(_l("Laporan ini sudah diubah orang lain sejak Anda membukanya.")))
    transition = transitions.check(action, complaint.status, actor.role)
    now = now or utcnow()
    ctx = _Context(
        complaint=complaint,
        data=data,
        actor=actor,
        router=router,
        now=now,
        today=local_date(now, router.timezone_for(complaint.region_id)),
        calendar=calendar_for(router.holidays_for(complaint.region_id)),
        clocks=clocks_of(complaint),
        scope=scope,
    )
    before = complaint.status
    note, public = HANDLERS[action](ctx)
    if transition.target is not None:
        complaint.status = transition.target
    event = Event(
        kind=action,
        actor_user_id=actor.user_id,
        from_status=before,
        to_status=complaint.status,
        note=note,
        public=public,
        created_at=now,
    )
    complaint.events.append(event)
    complaint.events.extend(ctx.follow_up_events)
    on_case_event(complaint, event)
    return event


def clocks_of(complaint: Complaint) -> Clocks:
    return Clocks(**json.loads(complaint.clocks_json or "{}"))


def _text(ctx: _Context, *, required: bool = True) -> str | None:
    text = (ctx.data.text or "").strip()
    if has_control(text, multiline=True):  # PostgreSQL cannot store a NUL, nobody types one
        raise ActionInputError(
            str(
                _l(
                    "Teks memuat karakter tak terlihat (karakter kendali, mis. NUL) yang tidak "
                    "dapat disimpan. Hapus lalu ketik ulang bagian yang disalin."
                )
            ),
            field="text",
        )
    if not text and required:
        raise ActionInputError(str(_l("Teks wajib diisi.")), field="text")
    if len(text) > MAX_TEXT:
        raise ActionInputError(str(_l("Teks paling banyak 5000 karakter.")), field="text")
    return text or None


def _unit_in_region(ctx: _Context) -> tuple[str, str]:
    agency = ctx.router.agency(ctx.data.agency_id or "")
    if agency is not None and (
        agency.id != ctx.data.agency_id or agency.region_id != ctx.complaint.region_id
    ):
        agency = None  # live IDs of this region only; forwarding is another action
    unit = ctx.router.unit(agency.id, ctx.data.unit_id or "") if agency else None
    if unit is not None and unit.id != ctx.data.unit_id:
        unit = None
    if unit is None:
        raise ActionInputError(
            str(_l("Pilih instansi dan unit tujuan disposisi di daerah ini.")), field="unit_id"
        )
    return agency.id, unit.id


def _finish(ctx: _Context) -> None:
    ctx.complaint.closed_at = ctx.now
    ctx.complaint.due_key = NO_DEADLINE
    ctx.complaint.sla_state = "ok"


def _verify(ctx: _Context):
    c = ctx.complaint
    c.agency_id, c.unit_id = _unit_in_region(ctx)
    c.verified_at = ctx.now
    _drop_holder_elsewhere(ctx)  # an admin who took it to verify hands it to the unit
    if ctx.data.supervised and c.classification == "complaint" and not c.supervised:
        c.supervised = True
        submitted = local_date(c.submitted_at, _zone(ctx))
        c.followup_due = ctx.calendar.add_working_days(submitted, ctx.clocks.complaint_supervised)
    c.due_key, c.sla_state = c.followup_due, "ok"
    _internal_note(ctx)
    return None, True


def _redispose(ctx: _Context):
    c = ctx.complaint
    agency_id, unit_id = _unit_in_region(ctx)
    text = _text(ctx, required=False)
    c.agency_id, c.unit_id = agency_id, unit_id
    _drop_holder_elsewhere(ctx)
    return text, False


def _reject_spam(ctx: _Context):
    ctx.complaint.reject_reason = "spam"
    _finish(ctx)
    return _text(ctx), True


def _reject_duplicate(ctx: _Context):
    c = ctx.complaint
    code = (ctx.data.duplicate_of or "").strip().upper()
    # Only a case the actor can open may be named, so the answer never tells whether a
    # code outside their scope exists.
    candidates = ctx.scope if ctx.scope is not None else select(Complaint)
    original = (
        None
        if has_control(code)  # no code holds one, and PostgreSQL refuses a NUL in a query
        else db.session.execute(
            candidates.where(Complaint.tracking_code == code, Complaint.region_id == c.region_id)
        ).scalar_one_or_none()
    )
    if original is None or original.id == c.id:
        raise ActionInputError(
            str(_l("Kode laporan asli tidak ditemukan di daerah ini.")), field="duplicate_of"
        )
    if original.status == s.ARCHIVED:  # spam or itself a duplicate: nobody will handle it
        raise ActionInputError(
            str(
                _l(
                    "Laporan asli itu sudah diarsipkan dan tidak akan ditangani. Sebutkan "
                    "laporan yang ditangani."
                )
            ),
            field="duplicate_of",
        )
    c.duplicate_of_id = original.id
    c.reject_reason = "duplicate"
    _finish(ctx)
    # The event is public (timeline, SP4N-LAPOR!): a Rahasia original is never named in it.
    return (None if original.confidential else original.tracking_code), True


def _release(ctx: _Context):
    """Out of quarantine into the queue, its verification clock running again. Internal:
    the citizen was never told it was held back."""
    ctx.complaint.due_key, ctx.complaint.sla_state = ctx.complaint.verify_due, "ok"
    return _text(ctx, required=False), False


def _forward(ctx: _Context):
    """Out of this portal to SP4N-LAPOR!; a region of this portal is a transfer instead."""
    c = ctx.complaint
    target = (ctx.data.forward_to or "").strip().lower()
    if target != NATIONAL:
        raise ActionInputError(str(_l("Pilih tujuan penerusan.")), field="forward_to")
    c.forwarded_to = target
    c.reject_reason = "not-authority"
    _finish(ctx)
    return _text(ctx), True


def _start(ctx: _Context):
    return _text(ctx, required=False), False


def _respond(ctx: _Context):
    c = ctx.complaint
    text = _text(ctx)
    c.responded_at = ctx.now
    if c.first_response_at is None:
        c.first_response_at = ctx.now
        c.first_response_days = _days_taken(ctx)
        c.first_response_on_time = answered_on_time(ctx.today, c.followup_due)
    c.feedback_due = ctx.calendar.add_working_days(ctx.today, ctx.clocks.feedback)
    c.due_key, c.sla_state = c.feedback_due, "ok"
    return text, True


def _hold(ctx: _Context):
    c = ctx.complaint
    question = _text(ctx)
    c.hold_return_status = c.status
    c.hold_started_at = ctx.now
    c.due_key, c.sla_state = NO_DEADLINE, "ok"
    return question, True


def _answer(ctx: _Context):
    text = _text(ctx)
    _leave_hold(ctx)
    return text, True


def _resume(ctx: _Context):
    """Staff end the hold (the citizen answered by telephone, or the question is moot). The
    note is public: it is the staff's word to the citizen that work goes on, and why."""
    text = _text(ctx)
    _leave_hold(ctx)
    return text, True


def _hold_timeout(ctx: _Context):
    """The hold ran out without an answer (the tick, with its note): back to work with the
    clock running again, or closed as "no answer" where the case's clocks say so."""
    c = ctx.complaint
    _leave_hold(ctx)
    if ctx.clocks.hold_expiry == HOLD_CLOSE:
        c.status = s.CLOSED
        c.reject_reason = NO_ANSWER
        _finish(ctx)
    return _text(ctx, required=False), True


def _leave_hold(ctx: _Context) -> None:
    """Back to the status the case was held from, its deadlines moved by the working days
    it spent waiting (those days were the citizen's, not staff's)."""
    c = ctx.complaint
    started = local_date(c.hold_started_at, _zone(ctx))
    c.verify_due = resume_after_hold(c.verify_due, started, ctx.today, ctx.calendar)
    c.followup_due = resume_after_hold(c.followup_due, started, ctx.today, ctx.calendar)
    c.hold_days = (c.hold_days or 0) + max(0, ctx.calendar.working_days_between(started, ctx.today))
    c.status = c.hold_return_status or s.NEW
    c.due_key = c.verify_due if c.status == s.NEW else c.followup_due
    c.hold_started_at = c.hold_return_status = None
    c.hold_reminded_at = None


def _take(ctx: _Context):
    """ "Saya tangani": the acting officer holds the case from now on (internal)."""
    c = ctx.complaint
    if c.assigned_user_id is not None and c.assigned_user_id == ctx.actor.user_id:
        raise ActionInputError(str(_l("Anda sudah menangani laporan ini.")))
    text = _text(ctx, required=False)
    c.assigned_user_id, c.assigned_at = ctx.actor.user_id, ctx.now
    return _holder_note(ctx, text), False


def _assign(ctx: _Context):
    """An officer of the case's unit (or of its agency) holds it from now on. Anyone else
    (another unit, a disabled account, an admin, no such account) is refused: the case
    would sit with someone who cannot open it, or is not there to work it."""
    c = ctx.complaint
    assignee_id = ctx.data.assignee_id
    user = db.session.get(User, assignee_id) if is_row_id(assignee_id) else None
    if user is None or not holders.may_hold(user, c):
        raise ActionInputError(
            str(_l("Pilih petugas aktif dari unit atau instansi yang menangani laporan ini.")),
            field="assignee",
        )
    if c.assigned_user_id == user.id:
        raise ActionInputError(
            str(_l("Laporan ini sudah ditangani %(email)s.", email=user.email)),
            field="assignee",
        )
    text = _text(ctx, required=False)
    c.assigned_user_id, c.assigned_at = user.id, ctx.now
    return _holder_note(ctx, text, user.email), False


def _holder_note(ctx: _Context, text: str | None, email: str | None = None) -> str:
    """The timeline names the new holder by address (as it names every actor)."""
    if email is None:
        actor = db.session.get(User, ctx.actor.user_id) if ctx.actor.user_id else None
        email = actor.email if actor is not None else "?"
    return f"{email} — {text}" if text else email


def _drop_holder_elsewhere(ctx: _Context) -> None:
    """The case moved to another unit: a holder who is no officer there lets go of it."""
    c = ctx.complaint
    if c.assigned_user_id is None:
        return
    holder = db.session.get(User, c.assigned_user_id)
    if not holders.may_hold(holder, c):
        c.assigned_user_id = c.assigned_at = None


def _transfer(ctx: _Context):
    """Into another region's queue of this portal, as a new case on its clocks.

    No ping-pong: a regional admin never transfers a case to the region it just came
    from. A fresh arrival goes back there with `send_back` (and its reason); once that
    region has sent it back, or once this region verified it (accepted it), only a
    super-admin may move it there again."""
    c = ctx.complaint
    target_id = (ctx.data.forward_to or "").strip().lower()
    target = None if has_control(target_id) else ctx.router.region(target_id)
    if target is None or target.id != target_id:
        raise ActionInputError(
            str(_l("Daerah tujuan tidak ada di portal ini. Pilih daerah dari daftar.")),
            field="forward_to",
        )
    if target.id == c.region_id:
        raise ActionInputError(
            str(_l("Laporan ini sudah berada di daerah tersebut. Pilih daerah lain.")),
            field="forward_to",
        )
    if target.id == c.transferred_from and ctx.actor.role != roles.SUPER_ADMIN:
        raise ActionInputError(_no_return_message(ctx, target.name), field="forward_to")
    reason = _text(ctx)
    return _move(ctx, target.id, reason), True


def _no_return_message(ctx: _Context, region_name: str) -> str:
    c = ctx.complaint
    if transfers.came_by_transfer(c) and c.status == s.NEW:
        return str(
            _l(
                "Laporan ini baru datang dari %(region)s: gunakan \u201cKembalikan ke daerah "
                "asal\u201d beserta alasannya.",
                region=region_name,
            )
        )
    if transfers.came_by_transfer(c):
        return str(
            _l(
                "Laporan ini sudah diverifikasi di daerah ini setelah datang dari %(region)s. "
                "Hanya super admin yang dapat memindahkannya ke sana lagi.",
                region=region_name,
            )
        )
    return str(
        _l(
            "%(region)s sudah mengembalikan laporan ini (alasannya ada di riwayat). Hanya "
            "super admin yang dapat meneruskannya ke sana lagi.",
            region=region_name,
        )
    )


def _send_back(ctx: _Context):
    """Back to the region it was transferred from, with the reason; once only: a case sent
    back cannot be sent back again, it is handled, forwarded or transferred elsewhere."""
    c = ctx.complaint
    if not c.transferred_from:
        raise ActionInputError(str(_l("Laporan ini tidak berasal dari daerah lain.")))
    if not transfers.came_by_transfer(c):
        raise ActionInputError(
            str(
                _l(
                    "Laporan ini sudah dikembalikan ke daerah ini dan tidak dapat dikembalikan "
                    "lagi. Tangani, teruskan ke SP4N-LAPOR!, atau teruskan ke daerah lain."
                )
            )
        )
    home = ctx.router.region(c.transferred_from)
    if home is None or home.id != c.transferred_from:
        raise ActionInputError(
            str(
                _l(
                    "Daerah asal laporan ini tidak ada lagi di portal ini. Teruskan ke daerah "
                    "lain atau ke SP4N-LAPOR!."
                )
            )
        )
    reason = _text(ctx)
    return _move(ctx, home.id, reason), True


def _move(ctx: _Context, region_id: str, reason: str | None) -> str:
    """The case joins `region_id`'s queue as new: its intake unit (or, back home, where
    the rules route it), its clocks, and both deadlines counted again from today in its
    own calendar and time zone, since it only now reaches that region's desk. Returns the
    event's note: from → to, then the reason, so the timeline keeps every hop."""
    c = ctx.complaint
    land = transfers.landing(ctx.router, c, region_id)
    if land is None:
        raise ActionInputError(
            str(_l("Daerah tujuan belum punya unit di berkas rute.")), field="forward_to"
        )
    hop = f"{ctx.router.region_name(c.region_id)} \u2192 {ctx.router.region_name(region_id)}"
    recap_changed(c)  # the sending region's month changes too (the case leaves it)
    c.transferred_from, c.transferred_at = c.region_id, ctx.now
    c.region_id, c.agency_id, c.unit_id = land.region_id, land.agency_id, land.unit_id
    c.clocks_json = json.dumps(asdict(land.clocks))
    day = local_date(ctx.now, ctx.router.timezone_for(region_id))
    calendar = calendar_for(ctx.router.holidays_for(region_id))
    c.supervised = False  # the receiving region decides that when it verifies
    c.verify_due = calendar.add_working_days(day, land.clocks.verification)
    c.followup_due = calendar.add_working_days(day, land.clocks.followup_for(c.classification))
    c.due_key, c.sla_state = c.verify_due, "ok"
    c.verified_at = c.feedback_due = None
    c.assigned_user_id = c.assigned_at = None  # nobody of the sending region holds it now
    return f"{hop}\n{reason}" if reason else hop


def _reply(ctx: _Context):
    return _text(ctx), True


def _message(ctx: _Context):
    return _text(ctx), True


def _rate(ctx: _Context):
    rating = ctx.data.rating
    if rating is None or not 1 <= rating <= 5:
        raise ActionInputError(str(_l("Pilih nilai 1 sampai 5.")), field="rating")
    ctx.complaint.rating = rating
    ctx.complaint.rating_comment = _text(ctx, required=False)
    comment = ctx.complaint.rating_comment
    return (f"{rating}/5 — {comment}" if comment else f"{rating}/5"), True


def _reopen(ctx: _Context):
    c = ctx.complaint
    if c.feedback_due is None or ctx.today > c.feedback_due:
        raise WindowClosed(str(_l("Batas waktu untuk membuka kembali laporan ini sudah lewat.")))
    text = _text(ctx)
    c.followup_due = ctx.calendar.add_working_days(
        ctx.today, ctx.clocks.followup_for(c.classification, c.supervised)
    )
    c.feedback_due = None
    c.due_key, c.sla_state = c.followup_due, "ok"
    return text, True


def _close(ctx: _Context):
    _finish(ctx)
    ctx.complaint.completion_days = _days_taken(ctx)
    return _text(ctx, required=False), True


def _note(ctx: _Context):
    return _text(ctx), False


def _internal_note(ctx: _Context) -> None:
    """A disposition note is for staff; the citizen only sees that the case was verified."""
    text = _text(ctx, required=False)
    if text:
        ctx.follow_up_events.append(
            Event(
                kind="note",
                actor_user_id=ctx.actor.user_id,
                from_status=ctx.complaint.status,
                to_status=ctx.complaint.status,
                note=text,
                public=False,
                created_at=ctx.now,
            )
        )


def _days_taken(ctx: _Context) -> int:
    submitted = local_date(ctx.complaint.submitted_at, _zone(ctx))
    return working_days_taken(submitted, ctx.today, ctx.complaint.hold_days or 0, ctx.calendar)


def _zone(ctx: _Context) -> str:
    return ctx.router.timezone_for(ctx.complaint.region_id)


HANDLERS: dict[str, Callable[[_Context], tuple[str | None, bool]]] = {
    "verify": _verify,
    "redispose": _redispose,
    "reject_spam": _reject_spam,
    "reject_duplicate": _reject_duplicate,
    "release": _release,
    "forward": _forward,
    "transfer": _transfer,
    "send_back": _send_back,
    "start": _start,
    "respond": _respond,
    "hold": _hold,
    "answer": _answer,
    "resume": _resume,
    "hold_timeout": _hold_timeout,
    "take": _take,
    "assign": _assign,
    "reply": _reply,
    "message": _message,
    "rate": _rate,
    "reopen": _reopen,
    "close": _close,
    "auto_close": _close,
    "note": _note,
}
assert set(HANDLERS) == set(transitions.TRANSITIONS), "every transition needs a handler"

"""Staff case page and actions. Scope first (404), then the rules (403/409), then input."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.case_actions import BulkActionForm, CaseActionForm
from portal.accounts import roles
from portal.audit.record import Actor as AuditActor
from portal.cases import bulk, holders, page, transfers, transitions
from portal.cases.citizen_messages import citizen_messages
from portal.cases.duplicates import duplicate_counts, duplicates_of, similar_open_cases
from portal.cases.photo_response import photo_response, wants_preview
from portal.cases.services import (
    ActionInput,
    ActionInputError,
    Actor,
    CaseConflict,
    CaseError,
    WindowClosed,
    clocks_of,
    perform,
)
from portal.cases.templates import templates_for_agency
from portal.complaints import status as s
from portal.complaints.display import place_names
from portal.complaints.labels import event_label, label
from portal.complaints.models import Complaint, Photo, ResponseTemplate
from portal.extensions import db
from portal.routing.active import get_router
from portal.staff.privacy import may_see_reporter
from portal.staff.queue import queue_scope
from portal.staff.routes import render_queue
from portal.staff.scoping import complaint_or_404, visible_complaints
from portal.url_ids import is_row_id

bp = Blueprint("cases", __name__, url_prefix="/staf")


@bp.get("/kasus/<code>")
@login_required
def case(code: str):
    complaint = complaint_or_404(current_user, code)
    form = CaseActionForm(version=complaint.version_id)
    template_id = request.args.get("templat", type=int)
    if is_row_id(template_id):
        chosen = db.session.get(ResponseTemplate, template_id)
        if chosen is not None and chosen.agency_id == complaint.agency_id:
            form.text.data = chosen.body
    return _render(complaint, form)


def _render(
    complaint,
    form,
    *,
    error: str | None = None,
    failed_action: str | None = None,
    status: int = 200,
):
    router = get_router()
    actions = page.offered_actions(complaint, current_user.role)
    show_reporter = may_see_reporter(current_user, complaint)
    return render_template(
        "staff/case.html",
        complaint=complaint,
        form=form,
        error=error,
        failed_action=failed_action,
        names=place_names(router, complaint),
        show_reporter=show_reporter,
        citizen_messages=citizen_messages(complaint, show_reporter),
        may_resend=current_user.role in (roles.SUPER_ADMIN, roles.REGIONAL_ADMIN),
        deadlines=page.deadlines(complaint, router),
        map_point=page.map_point(complaint),
        hold=page.hold_info(complaint, router, clocks_of(complaint)),
        actions=actions,
        dispose_targets=page.dispose_targets(complaint, router),
        duplicates=similar_open_cases(current_user, complaint) if complaint.status == s.NEW else [],
        duplicate_of=_openable(complaint.duplicate_of_id),
        duplicate_copies=duplicates_of(current_user, complaint),
        templates=templates_for_agency(complaint.agency_id),
        regions=page.transfer_targets(complaint, router, current_user.role),
        moved=transfers.last_move(complaint) if complaint.transferred_from else None,
        moved_from=router.region_name(complaint.transferred_from or ""),
        holders=holders.holders_for(complaint, current_user) if "assign" in actions else [],
    ), status


@bp.post("/kasus/<code>/tindakan/<action>")
@login_required
def act(code: str, action: str):
    complaint = complaint_or_404(current_user, code)
    if action not in transitions.TRANSITIONS:
        abort(404)
    form = CaseActionForm()
    if action in ("forward", "transfer"):  # one form: SP4N-LAPOR! or a region of the portal
        action = transfers.forward_action(form.forward_to.data)
    if not form.validate_on_submit():
        return _render(
            complaint, form, error=_("Formulir tidak lengkap; muat ulang halaman."), status=400
        )
    agency_id, _sep, unit_id = (form.target.data or "").partition("/")
    data = ActionInput(
        text=form.text.data,
        agency_id=agency_id or None,
        unit_id=unit_id or None,
        supervised=bool(form.supervised.data),
        duplicate_of=form.duplicate_of.data,
        forward_to=form.forward_to.data,
        assignee_id=form.assignee.data,
    )
    try:
        perform(
            complaint,
            action,
            Actor(current_user.role, current_user.id),
            data,
            router=get_router(),
            expected_version=form.version.data,
            scope=visible_complaints(current_user),
        )
    except transitions.ActionNotAllowed:
        abort(403)
    except (transitions.InvalidTransition, CaseConflict, WindowClosed) as exc:
        db.session.rollback()
        db.session.refresh(complaint)
        fresh = CaseActionForm(version=complaint.version_id, text=form.text.data)
        message = _(
            "Tindakan tidak dapat dilakukan: %(why)s Perubahan terbaru ada di riwayat; "
            "teks Anda tetap ada di formulir.",
            why=_why(exc, complaint),
        )
        return _render(complaint, fresh, error=message, failed_action=action, status=409)
    except ActionInputError as exc:
        db.session.rollback()
        form.version.data = complaint.version_id
        return _render(complaint, form, error=exc.message, failed_action=action, status=400)
    if action in transfers.MOVES and not _still_visible(complaint):
        # Out of this admin's region now: back to the queue, not to a page that says 404.
        region = get_router().region_name(complaint.region_id)
        if action == "send_back":
            message = _(
                "Laporan %(code)s sudah dikembalikan ke %(region)s dan tidak lagi ada di "
                "antrean Anda.",
                code=complaint.tracking_code,
                region=region,
            )
        else:
            message = _(
                "Laporan %(code)s sudah diteruskan ke %(region)s dan tidak lagi ada di "
                "antrean Anda.",
                code=complaint.tracking_code,
                region=region,
            )
        flash(message)
        return redirect(url_for("staff.queue"), code=303)
    flash(_("Tersimpan: %(what)s.", what=event_label(action)))
    return redirect(url_for(".case", code=complaint.tracking_code), code=303)


def _still_visible(complaint) -> bool:
    stmt = visible_complaints(current_user).where(Complaint.id == complaint.id)
    return db.session.execute(stmt.with_only_columns(Complaint.id)).first() is not None


def _openable(complaint_id: int | None):
    """The case with this id if the viewer may open it, else None (not even its code)."""
    if complaint_id is None:
        return None
    stmt = visible_complaints(current_user).where(Complaint.id == complaint_id)
    return db.session.execute(stmt).scalar_one_or_none()


def _why(exc: Exception, complaint) -> str:
    if isinstance(exc, CaseError):
        return exc.message
    return _(
        "laporan ini sekarang berstatus \u201c%(status)s\u201d.", status=label(complaint.status)
    )


@bp.get("/kasus/<code>/foto/<int:photo_id>")
@login_required
def photo(code: str, photo_id: int):
    """Photos leave the server only through this check, never from a public folder."""
    complaint = complaint_or_404(current_user, code)
    stored = db.session.execute(
        select(Photo).where(Photo.id == photo_id, Photo.complaint_id == complaint.id)
    ).scalar_one_or_none()
    if stored is None:
        abort(404)
    return photo_response(stored, small=wants_preview(request.args))


@bp.app_context_processor
def _bulk_helpers():
    return {"bulk_choices": _bulk_choices}


def _bulk_choices(user) -> dict:
    """What the queue's action bar offers this user: the moves their role may make, the
    statuses that get a checkbox, the units and the officers within their reach."""
    moves = bulk.moves_for(getattr(user, "role", ""))
    if not moves:
        return {"moves": [], "statuses": frozenset()}
    router = get_router()
    return {
        "moves": moves,
        "max": bulk.MAX_CASES,
        "statuses": bulk.selectable_statuses(user.role),
        "units": queue_scope(router, user).units if bulk.DISPOSE in moves else (),
        "officers": holders.officers_in_reach(user, router) if bulk.ASSIGN in moves else [],
    }


@bp.app_context_processor
def _duplicate_helpers():
    """The queue row's and the dashboard's "N laporan serupa" badge, counted in scope."""
    return {"duplicate_counts": duplicate_counts}


@bp.post("/antrian/massal")
@login_required
def bulk_action():
    """One move for the ticked queue rows: each case that allows it changes, each one that
    does not is listed with the reason (see portal.cases.bulk)."""
    form = BulkActionForm()
    codes = bulk.read_codes(request.form.getlist("kode"))
    kept = {
        "move": form.action.data or "",
        "target": form.target.data or "",
        "assignee": form.assignee.data or "",
        "duplicate_of": form.duplicate_of.data or "",
        "text": form.text.data or "",
    }
    if not form.validate_on_submit():
        return render_queue(
            selected=frozenset(codes),
            bulk_kept=kept,
            bulk_errors=(_("Formulir tidak lengkap; muat ulang halaman."),),
            status=400,
        )
    try:
        result = bulk.apply_bulk(
            bulk.BulkRequest(
                move=kept["move"],
                codes=codes,
                note=kept["text"],
                target=kept["target"],
                assignee=kept["assignee"],
                duplicate_of=kept["duplicate_of"],
            ),
            Actor(current_user.role, current_user.id),
            visible_complaints(current_user),
            router=get_router(),
            audit=AuditActor.of(current_user, request.remote_addr),
        )
    except transitions.ActionNotAllowed:
        abort(403)
    except bulk.BulkInputError as exc:
        db.session.rollback()
        return render_queue(
            selected=frozenset(codes), bulk_kept=kept, bulk_errors=(exc.message,), status=400
        )
    except CaseConflict as exc:
        return render_queue(
            selected=frozenset(codes), bulk_kept=kept, bulk_errors=(exc.message,), status=409
        )
    done = _bulk_done(kept["move"], len(result.changed))
    if not result.refusals:
        flash(done)
        return redirect(url_for("staff.queue", **request.args), code=303)
    refused = [f"{r.code}: {r.reason}" for r in result.refusals]
    headline = done if result.changed else _("Tidak ada laporan yang diubah.")
    return render_queue(
        selected=frozenset(r.code for r in result.refusals),
        bulk_kept=kept,
        bulk_done=headline,
        bulk_errors=(
            ngettext(
                "%(num)d laporan tidak diubah:", "%(num)d laporan tidak diubah:", len(refused)
            ),
            *refused,
        ),
        status=200 if result.changed else 409,
    )


def _bulk_done(move: str, n: int) -> str:
    if move == bulk.DISPOSE:
        return ngettext("%(num)d laporan didisposisikan.", "%(num)d laporan didisposisikan.", n)
    if move == bulk.ASSIGN:
        return ngettext(
            "%(num)d laporan diserahkan kepada petugas.",
            "%(num)d laporan diserahkan kepada petugas.",
            n,
        )
    if move == bulk.DUPLICATE:
        return ngettext(
            "%(num)d laporan diarsipkan sebagai duplikat.",
            "%(num)d laporan diarsipkan sebagai duplikat.",
            n,
        )
    return ngettext(
        "%(num)d laporan diarsipkan sebagai spam.", "%(num)d laporan diarsipkan sebagai spam.", n
    )

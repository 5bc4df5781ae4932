"""Staff case page and actions. Scope first (404), then the rules (403/409), then input."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.case_actions import BulkSpamForm, CaseActionForm
from portal.accounts import roles
from portal.cases import bulk, page, transitions
from portal.cases.citizen_messages import citizen_messages
from portal.cases.duplicates import similar_open_cases
from portal.cases.missing_photo import missing_photo
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
from portal.complaints.storage import blob_path
from portal.extensions import db
from portal.routing.active import get_router
from portal.staff.privacy import may_see_reporter
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
        hold=page.hold_info(complaint, router, clocks_of(complaint)),
        actions=page.offered_actions(complaint, current_user.role),
        dispose_targets=page.dispose_targets(complaint, router),
        duplicates=similar_open_cases(current_user, complaint) if complaint.status == s.NEW else [],
        duplicate_of=_openable(complaint.duplicate_of_id),
        templates=templates_for_agency(complaint.agency_id),
        regions=[r for r in router.regions if r.id != complaint.region_id],
    ), status


@bp.post("/kasus/<code>/tindakan/<action>")
@login_required
def act(code: str, action: str):
    complaint = complaint_or_404(current_user, code)
    if action not in transitions.TRANSITIONS:
        abort(404)
    form = CaseActionForm()
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
    flash(_("Tersimpan: %(what)s.", what=event_label(action)))
    return redirect(url_for(".case", code=complaint.tracking_code), code=303)


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
    path = blob_path(current_app.config["UPLOAD_FOLDER"], stored.storage_key)
    if not path.is_file():
        return missing_photo(stored.id, path)
    response = send_file(path, mimetype=stored.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_context_processor
def _bulk_helpers():
    return {"bulk_spam_statuses": _bulk_spam_statuses}


def _bulk_spam_statuses(user) -> frozenset[str]:
    """Statuses whose queue rows get an "archive as spam" checkbox; none for a role that
    may not archive."""
    try:
        transitions.require_actor(bulk.ACTION, getattr(user, "role", ""))
    except transitions.ActionNotAllowed:
        return frozenset()
    return bulk.selectable_statuses()


@bp.post("/antrian/arsip-spam")
@login_required
def bulk_spam():
    """Archive the ticked queue rows as spam: all of them, or none (see portal.cases.bulk)."""
    form = BulkSpamForm()
    codes = bulk.read_codes(request.form.getlist("kode"))
    note = form.text.data or ""
    if not form.validate_on_submit():
        return render_queue(
            selected=frozenset(codes),
            bulk_note=note,
            bulk_errors=(_("Formulir tidak lengkap; muat ulang halaman."),),
            status=400,
        )
    try:
        archived = bulk.archive_as_spam(
            codes,
            Actor(current_user.role, current_user.id),
            visible_complaints(current_user),
            note,
            router=get_router(),
        )
    except transitions.ActionNotAllowed:
        abort(403)
    except ActionInputError as exc:
        return render_queue(
            selected=frozenset(codes), bulk_note=note, bulk_errors=(exc.message,), status=400
        )
    except bulk.BulkRefused as exc:
        reasons = tuple(f"{r.code}: {r.reason}" for r in exc.refusals)
        refused = {r.code for r in exc.refusals}
        return render_queue(
            selected=frozenset(c for c in codes if c not in refused),
            bulk_note=note,
            bulk_errors=(_("Tidak ada laporan yang diarsipkan."), *reasons),
            status=409,
        )
    except CaseConflict as exc:
        return render_queue(
            selected=frozenset(codes), bulk_note=note, bulk_errors=(exc.message,), status=409
        )
    flash(
        ngettext(
            "%(num)d laporan diarsipkan sebagai spam.",
            "%(num)d laporan diarsipkan sebagai spam.",
            len(archived),
        )
    )
    return redirect(url_for("staff.queue", **request.args), code=303)

"""The citizen's side of a case, through the private link: answer, reply, rate, reopen."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _

from forms.case_actions import CitizenActionForm
from portal.cases import transitions
from portal.cases.services import ActionInput, ActionInputError, Actor, CaseError, perform
from portal.citizen.routes import case_page
from portal.complaints.access import token_matches
from portal.complaints.queries import by_tracking_code
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.extensions import db
from portal.routing.active import get_router

bp = Blueprint("conversation", __name__)

VERBS = {"jawab": "answer", "balas": "reply", "nilai": "rate", "buka-kembali": "reopen"}


@bp.post("/lacak/<code>/<verb>")
def act(code: str, verb: str):
    action = VERBS.get(verb) or abort(404)
    normalized = normalize_tracking_code(code)
    complaint = by_tracking_code(normalized) if normalized else None
    form = CitizenActionForm()
    if complaint is None or not token_matches(
        form.t.data, complaint.access_token_hash, complaint.legacy_token_hash
    ):
        return render_template(
            "errors/error.html",
            title=_("Tautan pribadi diperlukan"),
            message=_(
                "Hanya pelapor, lewat tautan pribadi yang diberikan saat melapor, yang dapat "
                "menjawab, membalas, menilai atau membuka kembali laporan. Tidak ada yang berubah."
            ),
        ), 403
    if not form.validate_on_submit():
        return case_page(
            complaint, private=True, error=_("Isian tidak valid."), failed=action, status=400
        )
    try:
        perform(
            complaint,
            action,
            Actor(transitions.CITIZEN),
            ActionInput(text=form.text.data, rating=form.rating.data),
            router=get_router(),
            expected_version=form.version.data,
        )
    except (transitions.InvalidTransition, transitions.ActionNotAllowed, CaseError) as exc:
        db.session.rollback()
        db.session.refresh(complaint)
        status = 400 if isinstance(exc, ActionInputError) else 409
        message = (
            exc.message
            if isinstance(exc, CaseError)
            else _("Laporan ini sudah berubah status; tindakan tersebut tidak lagi tersedia.")
        )
        return case_page(
            complaint,
            private=True,
            error=message,
            failed=action,
            typed=form.text.data,
            status=status,
        )
    return redirect(
        url_for("citizen.track_case", code=complaint.tracking_code, t=form.t.data), code=303
    )

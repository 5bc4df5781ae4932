"""Staff page to keep an agency's response templates (`/staf/templat`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.case_actions import TemplateForm
from portal.accounts import roles
from portal.accounts.reach import reach_of
from portal.cases.templates import (
    TemplateError,
    add_template,
    delete_template,
    templates_for_agencies,
)
from portal.complaints.models import ResponseTemplate
from portal.extensions import db
from portal.routing.active import get_router

bp = Blueprint("response_templates", __name__, url_prefix="/staf/templat")


def _agencies(user) -> list:
    """Agencies whose templates this user keeps (a unit officer shares their agency's);
    leaders keep none (read-only role)."""
    if user.role == roles.LEADER:
        return []
    return list(reach_of(user).agencies(get_router()))


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    agencies = _agencies(current_user)
    if not agencies:
        abort(403)
    form = TemplateForm()
    form.agency_id.choices = [(a.id, a.name) for a in agencies]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                add_template(form.agency_id.data, form.title.data, form.body.data)
            except TemplateError as exc:
                getattr(form, exc.field).errors.append(
                    _(
                        "Teks memuat karakter tak terlihat (karakter kendali, mis. NUL) yang "
                        "tidak dapat disimpan. Hapus lalu ketik ulang bagian yang disalin."
                    )
                    if exc.reason == "control"
                    else _("Wajib diisi, paling banyak 5000 karakter.")
                )
                status = 400
            else:
                flash(_("Templat disimpan."))
                return redirect(url_for(".index"), code=303)
        else:
            status = 400
    names = {a.id: a.name for a in agencies}
    templates = templates_for_agencies(list(names))
    return render_template(
        "staff/templates.html", form=form, templates=templates, names=names
    ), status


@bp.post("/<int:template_id>/hapus")
@login_required
def delete(template_id: int):
    template = db.session.get(ResponseTemplate, template_id)
    allowed = {a.id for a in _agencies(current_user)}
    if template is None or template.agency_id not in allowed:
        abort(404)
    delete_template(template)  # CSRFProtect has checked the token before this view runs
    flash(_("Templat dihapus."))
    return redirect(url_for(".index"), code=303)

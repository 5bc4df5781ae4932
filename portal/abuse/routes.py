"""The abuse list page (`/staf/daftar-blokir/`): a region's blocked senders and its audit.

Regional admins manage their own region's list, the super admin every region's; other
roles get 403, another region's list or entry answers 404 (as cases do).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.abuse import ACTION_CHOICES, KIND_CHOICES, AbuseEntryForm, AbuseRemoveForm
from portal.abuse import services
from portal.abuse.keys import list_key
from portal.abuse.services import AbuseInputError, Who
from portal.paging import QUERY as PAGE_QUERY
from portal.paging import page_number, page_of
from portal.routing.active import get_router
from portal.staff.scoping import admin_region

bp = Blueprint("abuse", __name__, url_prefix="/staf/daftar-blokir")


def _managed(region_id: str) -> str:
    """The region, if this account manages its list: 403 for other roles, 404 otherwise."""
    own = admin_region(current_user)  # None: every region (super admin); 403 for others
    if (own is not None and own != region_id) or get_router().region(region_id) is None:
        abort(404)
    return region_id


@bp.get("/")
@login_required
def index():
    own = admin_region(current_user)
    if own is not None:
        return redirect(url_for(".region", region_id=own))
    return render_template("abuse/index.html", regions=get_router().regions)


CHANGES_QUERY = "halaman_riwayat"  # the audit trail pages apart from the list itself


@bp.route("/<region_id>", methods=["GET", "POST"])
@login_required
def region(region_id: str):
    _managed(region_id)
    form = AbuseEntryForm()
    error = None
    if form.is_submitted():
        if not form.validate():
            error = _("Formulir tidak lengkap; muat ulang halaman.")
        else:
            try:
                services.add_entry(
                    list_key(),
                    region_id,
                    form.kind.data or "",
                    form.value.data or "",
                    form.action.data or "",
                    form.note.data or "",
                    _who(),
                )
            except AbuseInputError as exc:
                error = exc.message
            else:
                flash(_("Ditambahkan ke daftar blokir."))
                return redirect(url_for(".region", region_id=region_id), code=303)
    return _page(region_id, form, error), (400 if error else 200)


@bp.post("/entri/<int:abuse_entry_id>/hapus")
@login_required
def remove(abuse_entry_id: int):
    admin_region(current_user)  # 403 before anything is looked up
    entry = services.entry_by_id(abuse_entry_id)
    if entry is None:
        abort(404)
    region_id = _managed(entry.region_id)
    form = AbuseRemoveForm()
    if not form.validate_on_submit():
        error = _("Formulir tidak lengkap; muat ulang halaman.")
        return _page(region_id, AbuseEntryForm(formdata=None), error), 400
    services.remove_entry(entry, form.note.data or "", _who())
    flash(_("Dihapus dari daftar blokir."))
    return redirect(url_for(".region", region_id=region_id), code=303)


def _who() -> Who:
    return Who(current_user.id, current_user.email, request.remote_addr)


def _page(region_id: str, form: AbuseEntryForm, error: str | None):
    router = get_router()
    entries = page_of(services.entries(region_id), page_number(request.args.get(PAGE_QUERY)))
    changes = page_of(services.changes(region_id), page_number(request.args.get(CHANGES_QUERY)))
    return render_template(
        "abuse/region.html",
        region=router.region(region_id),
        timezone=router.timezone_for(region_id),
        kind_labels={c.value: str(c.label) for c in KIND_CHOICES},
        action_labels={c.value: str(c.label) for c in ACTION_CHOICES},
        form=form,
        remove_form=AbuseRemoveForm(formdata=None),
        error=error,
        entries=entries.items,
        entry_pages=entries,
        changes=changes.items,
        change_pages=changes,
    )

"""The "Aturan Rute" pages: edit (whole file or a region's part), check, simulate, activate,
history and rollback. Views are thin: editing.py checks, versions.py stores."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.reach import reach_of
from portal.i18n import region_zone
from portal.paging import QUERY as PAGE_QUERY
from portal.paging import page_number, page_of
from portal.plain_text import has_control
from portal.routing import versions
from portal.routing.active import get_router, routing_state, stored_router
from portal.routing.engine import Router
from portal.routing.model import CLASSIFICATIONS, RoutingFileError, UnknownServicePoint
from portal.routing.models import SOURCE_ROLLBACK, SOURCE_WEB
from portal.routing_admin import queries
from portal.routing_admin.access import may_edit_region, may_edit_routing, may_edit_whole_file
from portal.routing_admin.diffs import unified
from portal.routing_admin.editing import Base, EditCheck, Field, check_edit
from portal.routing_admin.history_scope import (
    region_part,
    touches_region,
    version_diff,
    visible_history,
)
from portal.routing_admin.regions import RegionPartError, extract_region
from portal.staff.scoping import visible_complaints

bp = Blueprint("routing_admin", __name__, url_prefix="/staf/aturan-rute")


@bp.app_context_processor
def _nav_helpers() -> dict:
    return {"may_edit_routing": may_edit_routing}


def _base() -> Base:
    """The active version (seeding version 1 from the file if the database has none)."""
    state = routing_state()
    if state is not None and versions.newest() is None:
        text, _router = state.file_router()
        versions.seed_from_file(text, state.file_path)
    current = versions.newest()
    if current is None:  # a pinned router (tests) and no database version
        router = get_router()
        return Base(None, "", router)
    router = state.compiled(current.text, f"version {current.id}") if state else get_router()
    return Base(current.id, current.text, router)


def _base_for(version_id: int | None) -> Base:
    current = _base()
    if version_id is None or version_id == current.id:
        return current
    try:
        old = versions.get(version_id)
    except versions.UnknownVersion:
        return current
    state = routing_state()
    router = state.compiled(old.text, f"version {old.id}") if state else current.router
    return Base(old.id, old.text, router)


@bp.get("/")
@login_required
def index():
    if not may_edit_routing(current_user):
        abort(403)
    if may_edit_whole_file(current_user):
        return redirect(url_for(".edit_whole"))
    return redirect(url_for(".edit_region", region_id=reach_of(current_user).region_id))


@bp.route("/semua", methods=["GET", "POST"])
@login_required
def edit_whole():
    if not may_edit_whole_file(current_user):
        abort(404)
    return _editor(None)


@bp.route("/wilayah/<region_id>", methods=["GET", "POST"])
@login_required
def edit_region(region_id: str):
    if not may_edit_region(current_user, region_id):
        abort(404)  # never confirm that another region's editor exists
    return _editor(region_id)


def _editor(region_id: str | None):
    base = _base()
    if region_id is not None and base.router.region(region_id) is None:
        abort(404)
    if request.method == "GET":
        text = base.text if region_id is None else extract_region(base.text, region_id)
        return _page(region_id, base, text)
    form = request.form
    text = form.get("text", "")
    action = form.get("action", "check")
    started_from = form.get("base_version", type=int)
    edit_base = _base_for(started_from)
    check = check_edit(edit_base, text, region_id, field_state=_field_state())
    refusal = _consent_refusal(check, region_id)
    if refusal is not None:
        status = 403 if action == "activate" else 422
        page = _page(region_id, edit_base, text, check=check, error=refusal, refused=True)
        return page, status
    simulation = _simulate(check.router, form) if action == "simulate" and check.ok else None
    if action != "activate" or not check.ok:
        status = 200 if check.ok else 422
        return _page(region_id, edit_base, text, check=check, simulation=simulation), status
    if edit_base.id != base.id:
        return _conflict(region_id, edit_base, base, text)
    unconfirmed = _unconfirmed(check, form)
    if unconfirmed is not None:
        return _page(region_id, edit_base, text, check=check, error=unconfirmed), 409
    comment = form.get("comment", "").strip()
    if has_control(comment):  # PostgreSQL cannot store a NUL
        error = _(
            "Teks memuat karakter tak terlihat (karakter kendali, mis. NUL) yang tidak "
            "dapat disimpan. Hapus lalu ketik ulang bagian yang disalin."
        )
        return _page(region_id, edit_base, text, check=check, error=error), 422
    if not comment:
        error = _("Tulis catatan singkat tentang perubahan ini sebelum mengaktifkan.")
        return _page(region_id, edit_base, text, check=check, error=error), 422
    who = versions.Activation(
        author=current_user.email,
        author_id=current_user.id,
        address=request.remote_addr,
        source=SOURCE_WEB,
        comment=comment,
        region_id=region_id,
    )
    try:
        version, router = versions.activate(check.whole, base.id, who)
    except versions.StaleVersion:
        return _conflict(region_id, edit_base, _base(), text)
    except versions.NoChange:
        flash(_("Tidak ada perubahan: teks sama dengan versi aktif."))
        return redirect(request.path)
    except RoutingFileError:  # cannot happen after a clean check, but never store it
        return _page(region_id, edit_base, text, check=check), 422
    state = routing_state()
    if state is not None:
        state.activated(version.id, router)
    flash(_("Versi %(number)d aktif sekarang.", number=version.id))
    return redirect(request.path)


def _field_state() -> Field:
    """What is out there that an edit may break, read within the editor's scope."""
    scope = visible_complaints(current_user)
    return Field(
        posters=queries.printed_posters(),
        open_cases=queries.open_cases_by_unit(scope),
        printed=queries.printed_batches,
        router_of=cache(stored_router),  # each printed version compiled once per request
        case_codes=lambda units: queries.open_case_codes(scope, units),
    )


def _rule_list(check: EditCheck) -> str:
    router = check.router
    return "; ".join(
        _(
            "%(rule)s (%(source)s → %(destination)s)",
            rule=r.rule_id,
            source=router.region_name(r.source) if router else r.source,
            destination=router.region_name(r.destination) if router else r.destination,
        )
        for r in (check.impact.needs_consent if check.impact else ())
    )


def _consent_refusal(check: EditCheck, region_id: str | None = None) -> str | None:
    """A regional admin may not send reports into another region that has not agreed.

    The destination's own admin (revoking an acceptance a rule still uses) cannot change the
    other region's rule, so they are told whom to ask instead."""
    if may_edit_whole_file(current_user) or check.impact is None:
        return None
    needs = check.impact.needs_consent
    if not needs:
        return None
    if region_id is not None and all(r.destination == region_id for r in needs):
        return _(
            "Ditolak: persetujuan (accept_routes_from) ini masih dipakai aturan daerah lain "
            "yang mengirim laporan ke antrean Anda: %(rules)s. Persetujuan baru dapat dicabut "
            "setelah daerah asal mengubah atau menghapus aturan itu; hubungi admin daerah asal "
            "atau super admin.",
            rules=_rule_list(check),
        )
    return _(
        "Ditolak: aturan berikut mengirim laporan (beserta data pribadi pelapor) ke antrean "
        "daerah lain yang belum menyetujuinya: %(rules)s. Daerah tujuan harus menulis "
        "accept_routes_from dengan id daerah Anda di bagiannya, atau super admin yang "
        "mengaktifkan perubahan ini. Bila persetujuan dicabut, ubah atau hapus aturan itu dulu.",
        rules=_rule_list(check),
    )


def _unconfirmed(check: EditCheck, form) -> str | None:
    """The confirmations an activation (or rollback) still lacks, as the message shown."""
    impact = check.impact
    if impact is None:
        return None
    if impact.blockers and not form.get("confirm"):
        return _(
            "Perubahan ini membuat poster tercetak tidak berfungsi atau meninggalkan kasus "
            "terbuka tanpa unit. Tambahkan id lama di aliases, atau centang konfirmasi."
        )
    if impact.needs_consent and not form.get("confirm_consent"):
        return _(
            "Daerah tujuan belum menyetujui aturan berikut: %(rules)s. Aktivasi oleh super "
            "admin dihitung sebagai persetujuan daerah tujuan; centang konfirmasinya bila "
            "itu yang Anda maksud.",
            rules=_rule_list(check),
        )
    return None


def _conflict(region_id: str | None, edit_base: Base, newest: Base, text: str):
    message = _(
        "Orang lain sudah mengaktifkan versi %(newest)s setelah Anda mulai menyunting versi "
        "%(base)s. Perubahan mereka ada di bawah; teks Anda tetap di kotak. Periksa lagi, "
        "lalu aktifkan bila masih sesuai.",
        newest=newest.id,
        base=edit_base.id,
    )
    old, new = edit_base.text, newest.text
    if region_id is not None:  # a regional editor sees only their region's part change
        old, new = region_part(old, region_id), region_part(new, region_id)
    other = unified(old, new, f"versi {edit_base.id}", f"versi {newest.id}")
    return _page(region_id, newest, text, error=message, conflict_diff=other), 409


def _simulate(router: Router | None, form) -> dict:
    if router is None:
        return {}
    classification = form.get("sim_classification", "complaint")
    if classification not in CLASSIFICATIONS:
        classification = "complaint"
    supervised = bool(form.get("sim_supervised"))
    try:
        destination = router.route(
            form.get("sim_agency", ""),
            form.get("sim_unit", ""),
            form.get("sim_service", ""),
            classification,
            category=form.get("sim_category") or None,
            supervised=supervised,
        )
    except UnknownServicePoint:
        return {"error": _("Titik layanan itu tidak ada di teks ini.")}
    followup = destination.clocks.followup_for(classification, supervised)
    return {"destination": destination, "followup": followup}


def _page(region_id, base: Base, text: str, **extra):
    region = base.router.region(region_id) if region_id else None
    points = [
        p for p in base.router.service_points() if region_id is None or p.region.id == region_id
    ]
    return render_template(
        "routing_admin/editor.html",
        region=region,
        base=base,
        text=text,
        points=points[:500],
        categories=base.router.categories,
        classifications=CLASSIFICATIONS,
        form=request.form,
        super_admin=may_edit_whole_file(current_user),
        **extra,
    )


@bp.get("/riwayat")
@login_required
def history():
    if not may_edit_routing(current_user):
        abort(403)
    current = _base()
    region_id = _scoped_region()
    shown = visible_history(versions.history(), region_id, _text_of)
    pages = page_of(shown, page_number(request.args.get(PAGE_QUERY)))
    return render_template(
        "routing_admin/history.html",
        versions=pages.items,
        pages=pages,
        active_id=current.id,
        timezone=region_zone(region_id),
    )


def _scoped_region() -> str | None:
    """None for the super admin (every version, whole diffs), else the admin's region."""
    if may_edit_whole_file(current_user):
        return None
    return reach_of(current_user).region_id or ""


def _text_of(version_id: int) -> str | None:
    try:
        return versions.get(version_id).text
    except versions.UnknownVersion:
        return None


@bp.get("/versi/<int:version_id>")
@login_required
def show_version(version_id: int):
    if not may_edit_routing(current_user):
        abort(403)
    try:
        version = versions.get(version_id)
        parent = versions.get(version.parent_id) if version.parent_id else None
    except versions.UnknownVersion:
        abort(404)
    region_id = _scoped_region()
    parent_text = parent.text if parent else None
    if region_id is not None and not touches_region(version, parent_text, region_id):
        abort(404)  # another region's change: as if it did not exist
    diff = version_diff(version, parent_text, region_id)
    return render_template(
        "routing_admin/version.html",
        version=version,
        diff=diff,
        timezone=region_zone(version.region_id or region_id),
    )


@bp.route("/versi/<int:version_id>/pulihkan", methods=["GET", "POST"])
@login_required
def rollback(version_id: int):
    """Restore an older version, checked like any edit: the impact summary first (GET),
    then the same confirmations as an activation (POST). The super admin restores the
    whole version; a regional admin puts back their region's part as it was in it, leaving
    other regions as they are now."""
    if not may_edit_routing(current_user):
        abort(403)
    base = _base()
    try:
        old = versions.get(version_id)
    except versions.UnknownVersion:
        abort(404)
    region_id = None if may_edit_whole_file(current_user) else _scoped_region()
    if region_id is not None:
        parent_text = _text_of(old.parent_id) if old.parent_id else None
        if not touches_region(old, parent_text, region_id):
            abort(404)  # a version they cannot see (their part is the same in its parent)
    try:
        submitted = old.text if region_id is None else extract_region(old.text, region_id)
    except (RegionPartError, RoutingFileError) as exc:
        flash(_("Pemulihan ditolak: %(reason)s", reason=str(exc)))
        return redirect(url_for(".history"))
    check = check_edit(
        base, submitted, region_id, label=f"versi {old.id}", field_state=_field_state()
    )
    if request.method == "GET":
        refused = _consent_refusal(check, region_id) if check.ok else None
        return _rollback_page(old, base, check, error=refused), 200 if check.ok else 422
    form = request.form
    started_from = form.get("base_version", type=int)
    if started_from is not None and started_from != base.id:
        error = _(
            "Versi aktif sudah berubah (sekarang versi %(number)s) sejak Anda membuka halaman "
            "ini. Periksa dampaknya lagi di bawah.",
            number=base.id,
        )
        return _rollback_page(old, base, check, error=error), 409
    if not check.ok:
        return _rollback_page(old, base, check), 422
    refusal = _consent_refusal(check, region_id)
    if refusal is not None:
        return _rollback_page(old, base, check, error=refusal), 403
    unconfirmed = _unconfirmed(check, form)
    if unconfirmed is not None:
        return _rollback_page(old, base, check, error=unconfirmed), 409
    comment = form.get("comment", "").strip()
    if has_control(comment):
        error = _(
            "Teks memuat karakter tak terlihat (karakter kendali, mis. NUL) yang tidak "
            "dapat disimpan. Hapus lalu ketik ulang bagian yang disalin."
        )
        return _rollback_page(old, base, check, error=error), 422
    who = versions.Activation(
        author=current_user.email,
        author_id=current_user.id,
        address=request.remote_addr,
        source=SOURCE_ROLLBACK,
        comment=comment or _("Pemulihan ke versi %(number)d", number=old.id),
        region_id=region_id,
        restored_from_id=old.id,
    )
    whole = old.text if region_id is None else check.whole
    try:
        version, router = versions.activate(whole, base.id, who, filename=f"version {old.id}")
    except versions.NoChange:
        flash(_("Tidak ada perubahan: versi itu sama dengan versi aktif."))
        return redirect(url_for(".history"))
    except versions.StaleVersion:
        error = _("Orang lain baru saja mengaktifkan versi baru. Periksa dampaknya lagi.")
        return _rollback_page(old, _base(), check, error=error), 409
    except RoutingFileError as exc:
        flash(_("Pemulihan ditolak: %(reason)s", reason=str(exc)))
        return redirect(url_for(".history"))
    state = routing_state()
    if state is not None:
        state.activated(version.id, router)
    flash(_("Versi %(number)d aktif sekarang.", number=version.id))
    return redirect(url_for(".history"))


def _rollback_page(old, base: Base, check: EditCheck, error: str | None = None):
    return render_template(
        "routing_admin/rollback.html",
        old=old,
        base=base,
        check=check,
        form=request.form,
        super_admin=may_edit_whole_file(current_user),
        error=error,
        refused=_consent_refusal(check) is not None if check.ok else False,
    )

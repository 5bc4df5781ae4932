"""The account pages: the super admin's and a regional admin's management of staff accounts.

Who may manage whom is portal/accounts/management.py; every list, count and page here asks
it, through portal/accounts/administration.py (the services). Leaders and officers get 403
on every page; an account out of reach (another region's, an admin's) answers 404 like an
id that does not exist, so the page confirms nothing; one's own account 403 (it is managed
on /staf/akun). Every change is recorded in the audit trail by the services.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from forms.staff_accounts import AccountFilterForm, ActionForm, ActiveForm, InviteForm, ScopeForm
from portal.accounts import administration as admin
from portal.accounts import management, roles
from portal.accounts.models import User
from portal.accounts.services import AccountError
from portal.audit.record import Actor
from portal.extensions import db
from portal.paging import QUERY as PAGE_QUERY
from portal.paging import page_number
from portal.routing.active import get_router
from portal.routing.model import localized_name

bp = Blueprint("staff_accounts", __name__, url_prefix="/staf/pengguna")
UNIT_SEPARATOR = "/"


@bp.app_template_global("account_role_label")
def account_role_label(role: str) -> str:
    return admin.role_label(role)


def _manager() -> User:
    """The signed-in account, if it may open the account pages; 403 for anyone else."""
    user = current_user._get_current_object()
    if not management.is_manager(user):
        abort(403)
    return user


def _actor() -> Actor:
    return Actor.of(current_user, request.remote_addr)


def _target(user_id: int) -> User:
    try:
        return admin.account_for(_manager(), user_id)
    except admin.NotFound:
        abort(404)
    except admin.NotAllowed:
        abort(403)


def _valid_for() -> timedelta:
    return timedelta(hours=current_app.config["INVITATION_VALID_HOURS"])


def _locale() -> str:
    return str(get_locale())


# --- choices -----------------------------------------------------------------------------


def _named(place) -> str:
    return localized_name(place, _locale())


def _fill_scope_choices(form: ScopeForm, manager: User) -> None:
    router = get_router()
    regions, agencies, units = admin.reach_choices(router, manager)
    none = SelectChoice("", _("— tidak ada —"))
    form.role.choices = [
        SelectChoice(r, admin.role_label(r)) for r in management.assignable_roles(manager)
    ]
    form.region.choices = [none] + [SelectChoice(r.id, _named(r)) for r in regions]
    form.agency.choices = [none] + [SelectChoice(a.id, _named(a)) for a in agencies]
    form.unit.choices = [none, *_unit_choices(units)]


def _unit_choices(units) -> list[SelectChoice]:
    return [
        SelectChoice(f"{a.id}{UNIT_SEPARATOR}{u.id}", f"{_named(u)} ({_named(a)})")
        for a, u in units
    ]


def _scope_values(form: ScopeForm) -> dict:
    """(region, agency, unit) as posted; a unit's value names its agency too."""
    agency = (form.agency.data or "").strip()
    unit = (form.unit.data or "").strip()
    if UNIT_SEPARATOR in unit:
        unit_agency, _sep, unit = unit.partition(UNIT_SEPARATOR)
        if agency and unit_agency != agency:
            unit = f"{unit_agency}{UNIT_SEPARATOR}{unit}"  # not in that agency: unknown
        agency = agency or unit_agency
    return {"region": (form.region.data or "").strip(), "agency": agency, "unit": unit}


def _scope_shown(form: ScopeForm, user: User) -> None:
    """The account's current role and scope, as the form's selected values."""
    scope = admin.scope_of(user)
    form.role.data = user.role
    form.region.data = scope["region"] or ""
    form.agency.data = scope["agency"] or ""
    form.unit.data = (
        f"{scope['agency']}{UNIT_SEPARATOR}{scope['unit']}"
        if scope["agency"] and scope["unit"]
        else ""
    )


# --- the list ----------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    manager = _manager()
    router = get_router()
    form = AccountFilterForm(request.args)
    _regions, agencies, units = admin.reach_choices(router, manager)
    every = SelectChoice("", _("Semua"))
    form.role.choices = [every] + [
        SelectChoice(r, admin.role_label(r)) for r in _listed_roles(manager)
    ]
    form.agency.choices = [every] + [SelectChoice(a.id, _named(a)) for a in agencies]
    form.unit.choices = [every, *_unit_choices(units)]
    form.state.choices = [every] + [
        SelectChoice(s, str(admin.STATE_LABELS[s])) for s in admin.STATES
    ]
    problems = []
    filters = {}
    for name in ("role", "agency", "unit", "state"):
        value = (form[name].data or "").strip()
        if value and value not in {c.value for c in form[name].choices}:
            problems.append(
                _("Filter %(name)s tidak dikenal, diabaikan.", name=form[name].label.text)
            )
            form[name].data = ""
            value = ""
        filters[name] = value
    q = (form.q.data or "").strip()[:254]
    pages = admin.list_accounts(
        manager, admin.Filters(q=q, **filters), page_number(request.args.get(PAGE_QUERY))
    )
    kept = {k: v for k, v in {"q": q, **filters}.items() if v}
    return render_template(
        "staff_accounts/index.html",
        form=form,
        pages=pages,
        accounts=pages.items,
        kept=kept,
        problems=problems,
        filtered=bool(kept),
        state_of=admin.state_of,
        state_labels=admin.STATE_LABELS,
        scope_of=lambda u: admin.scope_names(router, u, _locale()),
        may_manage=lambda u: management.may_manage(manager, u),
    )


def _listed_roles(manager: User) -> tuple[str, ...]:
    return roles.ROLES if manager.role == roles.SUPER_ADMIN else management.REGION_MANAGED


# --- invite ------------------------------------------------------------------------------


@bp.route("/undang", methods=["GET", "POST"])
@login_required
def invite():
    manager = _manager()
    form = InviteForm()
    _fill_scope_choices(form, manager)
    if request.method == "GET":
        form.locale.data = "id"
        return _invite_page(form, manager)
    if not form.validate_on_submit():
        return _invite_page(form, manager), 400
    try:
        invited = admin.invite(
            get_router(),
            manager,
            _actor(),
            email=form.email.data or "",
            role=(form.role.data or "").strip(),
            locale=(form.locale.data or "id").strip(),
            valid_for=_valid_for(),
            secret_key=current_app.config["SECRET_KEY"],
            **_scope_values(form),
        )
    except admin.NotAllowed:
        abort(403)
    except AccountError as exc:
        _field_error(form, exc)
        return _invite_page(form, manager), 400
    flash(
        _(
            "Undangan dikirim ke %(email)s; tautannya berlaku sampai %(until)s.",
            email=invited.user.email,
            until=admin.until_text(get_router(), invited, _locale()),
        )
    )
    return redirect(url_for(".edit", user_id=invited.user.id), code=303)


def _field_error(form, exc: AccountError) -> None:
    field = form._fields.get(exc.field) or form._fields.get("role")
    field.errors = [*(field.errors or []), str(exc)]


def _invite_page(form: InviteForm, manager: User):
    return render_template(
        "staff_accounts/invite.html",
        form=form,
        super_admin=manager.role == roles.SUPER_ADMIN,
        own_region=get_router().region(manager.region_id or ""),
        valid_hours=current_app.config["INVITATION_VALID_HOURS"],
    )


# --- one account -------------------------------------------------------------------------


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit(user_id: int):
    manager = _manager()
    user = _target(user_id)
    form = ScopeForm()
    _fill_scope_choices(form, manager)
    if request.method == "GET":
        _scope_shown(form, user)
        return _edit_page(user, form, manager)
    if not form.validate_on_submit():
        return _edit_page(user, form, manager), 400
    try:
        changed = admin.change(
            get_router(),
            manager,
            _actor(),
            user,
            role=(form.role.data or "").strip(),
            **_scope_values(form),
        )
    except admin.NotAllowed:
        abort(403)
    except AccountError as exc:
        _field_error(form, exc)
        return _edit_page(user, form, manager), 400
    if changed:
        flash(_("Peran dan cakupan akun %(email)s diubah.", email=user.email))
    else:
        flash(_("Tidak ada yang berubah."))
    return redirect(url_for(".edit", user_id=user.id), code=303)


def _edit_page(user: User, form: ScopeForm, manager: User):
    router = get_router()
    return render_template(
        "staff_accounts/edit.html",
        account=user,
        form=form,
        action_form=ActionForm(formdata=None),
        super_admin=manager.role == roles.SUPER_ADMIN,
        own_region=router.region(manager.region_id or ""),
        state=admin.state_of(user),
        state_labels=admin.STATE_LABELS,
        scope=admin.scope_names(router, user, _locale()),
        timezone=admin.timezone_of(router, user),
        inviter=_inviter(user),
    )


def _inviter(user: User) -> str | None:
    if user.invited_by_id is None:
        return None
    inviter = db.session.get(User, user.invited_by_id)
    return inviter.email if inviter is not None else None


def _back(user: User):
    return redirect(url_for(".edit", user_id=user.id), code=303)


@bp.post("/<int:user_id>/aktif")
@login_required
def set_active(user_id: int):
    user = _target(user_id)
    form = ActiveForm()
    if not form.validate_on_submit() or form.active.data not in ("0", "1"):
        abort(400)
    active = form.active.data == "1"
    changed = admin.set_active(_manager(), _actor(), user, active)
    if not changed:
        flash(_("Tidak ada yang berubah."))
    elif active:
        flash(_("Akun %(email)s diaktifkan lagi. Sesi lamanya tetap berakhir.", email=user.email))
    else:
        flash(
            _(
                "Akun %(email)s dinonaktifkan: tidak dapat masuk, dan semua sesinya berakhir.",
                email=user.email,
            )
        )
    return _back(user)


@bp.post("/<int:user_id>/keluar-semua")
@login_required
def sign_out_everywhere(user_id: int):
    user = _target(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    admin.sign_out_everywhere(_manager(), _actor(), user)
    flash(_("Semua sesi akun %(email)s berakhir.", email=user.email))
    return _back(user)


@bp.post("/<int:user_id>/undang-lagi")
@login_required
def resend_invitation(user_id: int):
    user = _target(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invited = admin.resend_invitation(
            get_router(),
            _manager(),
            _actor(),
            user,
            valid_for=_valid_for(),
            secret_key=current_app.config["SECRET_KEY"],
        )
    except admin.NotApplicable as exc:
        flash(exc.message, "error")
        return _back(user)
    until = admin.until_text(get_router(), invited, _locale())
    flash(
        _(
            "Undangan baru dikirim ke %(email)s; tautan lama tidak berlaku lagi. Tautan baru "
            "berlaku sampai %(until)s.",
            email=user.email,
            until=until,
        )
    )
    return _back(user)


@bp.post("/<int:user_id>/reset-dua-langkah")
@login_required
def reset_second_factor(user_id: int):
    user = _target(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        admin.reset_second_factor(_manager(), _actor(), user)
    except admin.NotApplicable as exc:
        flash(exc.message, "error")
        return _back(user)
    flash(
        _(
            "Verifikasi dua langkah akun %(email)s dihapus, dan semua sesinya berakhir. Saat "
            "masuk berikutnya cukup dengan kata sandi; pemiliknya lalu dapat memasang aplikasi "
            "autentikator baru di Akun saya (akun admin yang wajib memakainya diminta "
            "memasangnya saat itu juga).",
            email=user.email,
        )
    )
    return _back(user)

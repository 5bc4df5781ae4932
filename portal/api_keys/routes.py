"""The staff page of Open311 keys (`/staf/kunci-api/`): list, make, revoke, recent POSTs.

The super admin manages every key; a regional admin the keys of exactly their own region
(they make only such keys); other roles get 403, a key out of reach answers 404. A new
key is shown once, on the answer to the POST that made it, never again: only its hash is
kept, so the page could not show it later even if it wanted to.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.api_keys import ApiKeyForm, ApiKeyRevokeForm
from portal.api_keys.labels import outcome_label
from portal.api_keys.scope import api_key_or_404, visible_api_keys, visible_api_posts
from portal.audit.record import Actor
from portal.extensions import db
from portal.open311.keys import ApiKeyRefused, create_key, revoke_key
from portal.open311.models import ApiKey
from portal.routing.active import get_router
from portal.staff.scoping import admin_region

bp = Blueprint("api_keys", __name__, url_prefix="/staf/kunci-api")


@bp.get("/")
@login_required
def index():
    return _list_page(ApiKeyForm(formdata=None))


@bp.post("/")
@login_required
def create():
    own = admin_region(current_user)  # 403 before anything is read
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _list_page(form, error=_("Formulir tidak lengkap; muat ulang halaman.")), 400
    regions = [own] if own is not None else _chosen_regions(form)
    if regions is None:
        return _list_page(form), 400
    try:
        key, plaintext = create_key(
            form.name.data or "",
            regions,
            known_regions=[r.id for r in get_router().regions],
            created_by_id=current_user.id,
            created_by_email=current_user.email,
            contact=form.contact.data,
            actor=Actor.of(current_user, request.remote_addr),
        )
    except ApiKeyRefused as exc:
        field = {"region": form.regions}.get(exc.field) or form[exc.field]
        field.errors = [*field.errors, exc.render(_)]
        return _list_page(form), 400
    # Rendered, not redirected: the key must not travel in a URL or the session.
    return render_template("open311/key_created.html", key=key, plaintext=plaintext, **_names())


def _chosen_regions(form: ApiKeyForm) -> list[str] | None:
    """The super admin's choice: every region only when asked for in so many words."""
    if form.all_regions.data and form.regions.data:
        form.regions.errors = [_("Pilih wilayah atau Semua wilayah, jangan keduanya.")]
        return None
    if form.all_regions.data:
        return []
    if not form.regions.data:
        form.regions.errors = [_("Pilih paling sedikit satu wilayah, atau Semua wilayah.")]
        return None
    return list(form.regions.data)


@bp.get("/<int:api_key_id>")
@login_required
def detail(api_key_id: int):
    return _detail_page(api_key_or_404(current_user, api_key_id), ApiKeyRevokeForm(formdata=None))


@bp.post("/<int:api_key_id>/cabut")
@login_required
def revoke(api_key_id: int):
    key = api_key_or_404(current_user, api_key_id)
    form = ApiKeyRevokeForm()
    if not form.validate_on_submit():
        return _detail_page(key, form, error=_("Formulir tidak lengkap; muat ulang halaman.")), 400
    if not form.confirm.data:
        error = _("Centang konfirmasi untuk mencabut kunci; tidak ada yang diubah.")
        return _detail_page(key, form, error=error), 400
    try:
        revoke_key(
            key.name,
            by_email=current_user.email,
            actor=Actor.of(current_user, request.remote_addr),
        )
    except ApiKeyRefused as exc:  # revoked meanwhile, e.g. in another tab
        return _detail_page(key, form, error=exc.render(_)), 409
    flash(_("Kunci %(name)s dicabut.", name=key.name))
    return redirect(url_for(".detail", api_key_id=key.id), code=303)


def _list_page(form: ApiKeyForm, error: str | None = None):
    own = admin_region(current_user)
    router = get_router()
    form.regions.choices = [(r.id, r.name) for r in router.regions]
    stmt = visible_api_keys(current_user).order_by(ApiKey.revoked_at.is_not(None), ApiKey.name)
    return render_template(
        "open311/keys.html",
        keys=db.session.execute(stmt).scalars().all(),
        form=form,
        own_region_name=router.region_name(own) if own else None,
        error=error,
        **_names(),
    )


def _detail_page(key: ApiKey, form: ApiKeyRevokeForm, error: str | None = None):
    posts = db.session.execute(visible_api_posts(current_user, key.id)).all()
    return render_template(
        "open311/key.html",
        key=key,
        posts=posts,
        form=form,
        error=error,
        outcome_label=outcome_label,
        **_names(),
    )


def _names() -> dict:
    """What every page of keys shows: region names and each key's clock."""
    router = get_router()

    def regions_of(key: ApiKey) -> str:
        return ", ".join(router.region_name(r) for r in key.region_ids) or _("Semua wilayah")

    def timezone_of(key: ApiKey) -> str:
        return router.timezone_for(key.region_ids[0] if key.region_ids else "")

    return {"regions_of": regions_of, "timezone_of": timezone_of}

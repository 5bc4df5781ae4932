"""Staff page of the SP4N-LAPOR! mirror: counts, failed items with a re-send button,
waiting items, and the export download.

Super-admins see every region's items, a regional admin its own region's; other roles are
refused (403). An item outside the admin's scope answers 404, as cases do.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.extensions import db
from portal.national.delivery import retry
from portal.national.export import FORMATS, export_pending
from portal.national.models import NationalMirrorItem
from portal.national.overview import counts, failed_items, waiting_items
from portal.staff.scoping import admin_region

bp = Blueprint("national", __name__, url_prefix="/staf/nasional")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


@bp.get("/")
@login_required
def index():
    region = admin_region(current_user)
    return render_template(
        "national/index.html",
        counts=counts(region),
        failed=failed_items(region),
        waiting=waiting_items(region),
        connector=current_app.config.get("NATIONAL_CONNECTOR", "export"),
        formats=FORMATS,
    )


@bp.post("/<int:mirror_id>/kirim-ulang")
@login_required
def retry_item(mirror_id: int):
    region = admin_region(current_user)
    stmt = select(NationalMirrorItem.id).where(NationalMirrorItem.id == mirror_id)
    if region is not None:
        stmt = stmt.where(NationalMirrorItem.region_id == region)
    if db.session.execute(stmt).scalar_one_or_none() is None:
        abort(404)
    if retry(mirror_id):
        flash(_("Data dijadwalkan untuk dikirim ulang ke SP4N-LAPOR!."))
    else:
        flash(_("Data ini tidak sedang gagal; tidak ada yang diubah."))
    return redirect(url_for(".index"), code=303)


@bp.post("/ekspor")
@login_required
def export():
    region = admin_region(current_user)
    fmt = request.form.get("format", "jsonl")
    if fmt not in FORMATS:
        abort(400)
    buffer = io.StringIO(newline="")
    result = export_pending(buffer, fmt, region_id=region)
    if result.count == 0:
        flash(_("Tidak ada data yang menunggu ekspor."))
        return redirect(url_for(".index"), code=303)
    name = f"sp4n-lapor-{region or 'semua'}-{result.batch}.{fmt}"
    return Response(
        buffer.getvalue().encode("utf-8"),
        mimetype=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )

"""Staff page of the SP4N-LAPOR! mirror: counts, failed items with a re-send button, a
filter (region, creation dates, error text) with one button to re-send every match,
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
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.extensions import db
from portal.national.delivery import MirrorChannel, retry
from portal.national.export import FORMATS, export_pending
from portal.national.models import NationalMirrorItem
from portal.national.overview import counts, failed_items, waiting_items
from portal.outbox.revive import FilterError
from portal.paging import QUERY as PAGE_QUERY
from portal.paging import page_number, page_of
from portal.staff.revive_filters import (
    FIELDS,
    count_matching,
    message_for,
    read_filter,
    region_names,
    regions_for,
    revive_typed,
)
from portal.staff.scoping import admin_region

bp = Blueprint("national", __name__, url_prefix="/staf/nasional")
WAITING_QUERY = "halaman_tunggu"  # the waiting list pages apart from the failed one
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


@bp.get("/")
@login_required
def index():
    region = admin_region(current_user)
    channel = MirrorChannel()
    regions = regions_for(current_user, channel)
    typed = {name: (request.args.get(name) or "").strip() for name in FIELDS}
    problem, wanted, matching = None, None, None
    try:
        wanted = read_filter(typed, regions)
        matching = count_matching(channel, wanted, region)
    except FilterError as exc:
        problem = message_for(exc)
    failed = page_of(
        [] if problem else failed_items(region, where=wanted),
        page_number(request.args.get(PAGE_QUERY)),
    )
    waiting = page_of(waiting_items(region), page_number(request.args.get(WAITING_QUERY)))
    return render_template(
        "national/index.html",
        counts=counts(region),
        failed=failed.items,
        failed_pages=failed,
        kept_args={name: value for name, value in typed.items() if value},
        typed=typed,
        regions=regions,
        region_names=region_names(),
        problem=problem,
        matching=matching,
        filtered=any(typed.values()),
        waiting=waiting.items,
        waiting_pages=waiting,
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


@bp.post("/kirim-ulang-semua")
@login_required
def retry_matching():
    """Re-send every failed item the filter matches (within the admin's region); each case's
    later items follow by themselves once its failed item is delivered."""
    typed, revived = revive_typed(MirrorChannel(), current_user, request.form)
    back = url_for(".index", **{k: v for k, v in typed.items() if v})
    if isinstance(revived, str):  # a bad filter: its message, nothing changed
        flash(revived)
        return redirect(back, code=303)
    flash(
        ngettext(
            "%(num)s data dijadwalkan untuk dikirim ulang ke SP4N-LAPOR!.",
            "%(num)s data dijadwalkan untuk dikirim ulang ke SP4N-LAPOR!.",
            revived,
        )
    )
    return redirect(back, code=303)


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
